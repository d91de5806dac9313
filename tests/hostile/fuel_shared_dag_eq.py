# expect: fuel
# Two structurally equal DAGs, each level sharing its child twice: one `==`
# walks 2**60 leaves (no identity shortcut between the two sides).
a = [1]
b = [1]
for _ in range(60):
    a = [a, a]
    b = [b, b]
print(a == b)
print("ESCAPED")
