# expect: nesting
# Hashing a deeply nested tuple (as a dict key) must hit the nesting cap.
t = ()
for _ in range(20000):
    t = (t,)
d = {t: 1}
print("ESCAPED", len(d))
