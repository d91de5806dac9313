d = {}
for k in ["zeta", "alpha", "mid", "beta"]:
    d[k] = len(k)
print(d)
for k in d:
    print(k, d[k])
for k, v in d.items():
    print(f"{k}={v}")
d["alpha"] = 99
print(list(d))
del d["alpha"]
d["alpha"] = 1
print(list(d))
print(list(reversed(d)), sorted(d, key=d.get))
