# expect: fuel
# Sorting DAGs that compare equal down to the last level.
a = [1]
b = [1]
for _ in range(60):
    a = [a, a]
    b = [b, b]
x = sorted([a, b, a, b])
print("ESCAPED", len(x))
