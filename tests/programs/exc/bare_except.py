try:
    [][1]
except:
    print("bare except caught")
try:
    raise Exception("generic")
except Exception as e:
    print(type(e).__name__, e, e.args)
results = []
for v in ["1", "x", None]:
    try:
        results.append(int(v))
    except (ValueError, TypeError):
        results.append(-1)
print(results)
