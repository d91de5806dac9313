# Counter.most_common: ties keep insertion order, with and without n, for
# every n from none to more than the counter holds, and for float counts.
from collections import Counter

c = Counter("abracadabra mississippi banana")
for n in [None, -3, 0, 1, 2, 3, 5, 8, 100]:
    print(n, c.most_common(n))
print(c.most_common())

ties = Counter()
for i in range(50):
    ties["k" + str(i % 17)] += 1 + (i % 3 == 0)
for n in [1, 4, 16, 17, 18]:
    print(n, ties.most_common(n))

floats = Counter({"a": 1.5, "b": 2, "c": 2.0, "d": -0.0, "e": 0, "f": True})
print(floats.most_common(), floats.most_common(3))

big = Counter([str(i * 7919 % 1009) for i in range(5000)])
print(big.most_common(4), len(big.most_common()), big.most_common()[-3:])
try:
    Counter({"a": "x", "b": 1}).most_common(1)
except TypeError as e:
    print("TypeError")

a = Counter({"x": 3, "y": 1, "z": -2})
b = Counter({"y": 5, "w": 2, "x": 3})
print(a + b, a - b, a & b, a | b, b - a, a + a)
big1 = Counter(range(30000))
big2 = Counter(range(15000, 45000))
print(len(big1 + big2), len(big1 - big2), len(big1 & big2), len(big1 | big2))
