s = "abcdefgh"
print(s[-1:-5:-1], s[5:1:-1], s[1:5:-1], s[::-2], s[-2::-3], s[:-9:-1], s[:2:-1], s[-100::-1])
print(s[3:3], s[5:1], s[-1:], s[:-1], s[::100], s[::-100], s[1::-1], s[0:-0])
xs = list(range(10))
print(xs[::-3], xs[7:2:-2], xs[-3:-1], xs[-1:-3], xs[2:8][::-1])
ys = list(range(6))
ys[::2] = ["a", "b", "c"]
print(ys)
ys[1:3] = []
print(ys)
ys[:0] = [9, 9]
print(ys)
del ys[::2]
print(ys)
zs = list(range(5))
del zs[-2:]
print(zs)
try:
    zs[::2] = [1]
except ValueError as e:
    print(type(e).__name__, e)
try:
    print(s[::0])
except ValueError as e:
    print(type(e).__name__, e)
try:
    s[1:2] = "x"
except TypeError as e:
    print(type(e).__name__, e)
