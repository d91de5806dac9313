x = "outer"
squares = [x * x for x in range(4)]
print(x, squares)
i = 100
pairs = [(i, j) for i in range(3) for j in range(i)]
print(i, pairs)
print([[j for j in range(i)] for i in range(4)])
print([[i * j for j in range(3)] for i in range(3)])
print([y for x in [[1, 2], [3]] for y in x], x)
base = 10
print([base + k for k in range(3)], {k: base * k for k in range(3)}, sum(base for _ in range(3)))
def make():
    offset = 5
    return [n + offset for n in range(3)]
print(make())
print([x for x in range(10) if x % 2 if x % 3], [x if x % 2 else -x for x in range(5)])
matrix = [[1, 2], [3, 4]]
print([row[c] for c in range(2) for row in matrix], [[row[c] for row in matrix] for c in range(2)])
print({w: [c for c in w] for w in ["ab", "c"]}, [(lambda v: v * 2)(v) for v in range(3)])
funcs = [lambda: i for i in range(3)]
print([f() for f in funcs], i)
funcs = [lambda i=i: i for i in range(3)]
print([f() for f in funcs])
