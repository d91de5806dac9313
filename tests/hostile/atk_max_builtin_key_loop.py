# expect: fuel
# max() over 10 000 strings with a builtin key, repeated.
xs = [str(i) * 3 for i in range(10000)]
while True:
    m = max(xs, key=len)
print("ESCAPED", m)
