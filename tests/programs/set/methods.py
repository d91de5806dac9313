s = {3, 1, 2}
s.add(4); s.add(1); print(s)
s.discard(10); s.discard(1); print(s)
s.remove(2); print(s)
print(s.pop() in {3, 4}, len(s))
s.update([7, 8], {9}); print(sorted(s))
c = s.copy(); c.clear(); print(c, len(s))
try:
    s.remove(100)
except KeyError as e:
    print(type(e).__name__, e)
print(set("aabbc") == {"a", "b", "c"}, sorted(set("hello")))
