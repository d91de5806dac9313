from collections import Counter
a = Counter(x=4, y=2, z=1)
b = Counter(x=1, y=3, w=2)
print(a + b)
print(a - b)
print(a & b)
print(a | b)
print(a == Counter(z=1, y=2, x=4), a.most_common(1)[0])
print(sorted((a + b).items(), key=lambda kv: (-kv[1], kv[0])))
