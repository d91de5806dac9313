total = 0
for i in range(10):
    if i == 7:
        break
    if i % 2:
        continue
    total += i
else:
    print("no break")
print(total)
for x in []:
    pass
else:
    print("empty for else")
n = 0
while n < 5:
    n += 1
    if n == 10:
        break
else:
    print("while else", n)
i = 0
while True:
    i += 1
    if i > 3:
        break
print(i)
x = 5
print("big" if x > 3 else "small", x > 3 and "yes", x < 3 or "fallback", not x, 1 < x < 10, 1 < x > 10, x == 5 != 6)
print(0 or [] or "last", 1 and 2 and 3, None or 0)
if (m := x * 2) > 5:
    print("walrus", m)
vals = [y for y in range(20) if (r := y % 7) == 0]
print(vals)
a = b = c = 0
a += 1; b -= 1; c = a + b
print(a, b, c)
s = "ab"; s += "c"; s *= 2
print(s)
lst = [1]; lst += [2]; lst *= 2
print(lst)
def classify(v):
    if isinstance(v, bool):
        return "bool"
    elif isinstance(v, int):
        return "int"
    elif isinstance(v, str):
        return "str"
    return "other"
print([classify(v) for v in [1, True, "s", 2.0]])
count = 0
for i in range(3):
    for j in range(3):
        if j == i:
            break
        count += 1
print(count)
print(x if x else 0, (lambda: "lam")(), [k for k in {"a": 1, "b": 2}])
