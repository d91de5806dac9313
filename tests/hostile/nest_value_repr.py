# expect: nesting
x = []
for _ in range(100000):
    x = [x]
r = repr(x)
print("ESCAPED", len(r))
