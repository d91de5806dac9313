# Superinstructions of three (`x + 1`, `if x == 0:`) and stores before a
# loop's jump (issue #16): results, jumps landing inside a fused run, and
# errors raised by each part of one (the line and type must be CPython's).
total = 0
for i in range(30):
    if i % 3 == 0:
        total += i * 2
    elif i % 5 == 1:
        total -= 1
    else:
        total = total + 1
print(total)


def inner(n, step=1):
    acc = 0
    k = 0
    while k < n:
        if k % 4 == 0:
            acc += k + 10
        k = k + step
    flag = acc % 7 == 0
    return acc, flag, k - 1, n * 3 // 2


print(inner(25), inner(9, 2), inner(0))
x = 7
print(x + 1, x - 1.5, x * 2, x // 2, x % 3, x ** 2, x / 2, x == 7, x != 7)
s = "ab"
print(s * 3, s + "c", s == "ab")
for v in [0, 1, 2.0, "0", None]:
    if v == 0:
        print("zero", v)
    else:
        print("non-zero", v)
try:
    print(undefined_name + 1)
except NameError as e:
    print("NameError", e)
try:
    print(x % 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(s - 1)
except TypeError as e:
    print("TypeError", e)


def unbound():
    if False:
        y = 1
    return y + 1


try:
    unbound()
except UnboundLocalError as e:
    print("UnboundLocalError", e)
count = 0
while count < 10:
    count = count + 3
print(count)
n = 0
for j in range(5):
    n = j
print(n, j)
print(len("héllo"), len([1, 2]), len((1,)), len({"a": 1}), len({1, 2}), len(range(7)))
try:
    len(5)
except TypeError as e:
    print("TypeError", e)
try:
    len("a", "b")
except TypeError as e:
    print("TypeError", e)
print(x + undefined_at_the_end)
