t = tuple(range(10))
print(t[2:5], t[:3], t[7:], t[-3:], t[::2], t[::-1], t[8:2:-2])
print(t[100:], t[-100:2], t[5:5], t[::3][1:])
print(t[0], t[-1], t[len(t) - 1])
try:
    print(t[10])
except IndexError as e:
    print(type(e).__name__, e)
try:
    print(t["a"])
except TypeError as e:
    print(type(e).__name__, e)
print(type(t[1:3]).__name__, (1,)[0:0])
