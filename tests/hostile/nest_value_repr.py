# expect: nesting
x = []
for _ in range(20000):
    x = [x]
r = repr(x)
print("ESCAPED", len(r))
