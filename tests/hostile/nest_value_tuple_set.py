# expect: nesting
t = ()
for _ in range(5000):
    t = (t, 1)
s = {t}
print("ESCAPED", len(s))
