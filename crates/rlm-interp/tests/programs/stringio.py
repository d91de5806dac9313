import io
from io import StringIO
f = StringIO("line one\nline two\nthree")
print(repr(f.readline()), repr(f.readline()))
print(repr(f.read()), repr(f.read()), f.tell())
f.seek(0)
print(f.readlines())
f.seek(0)
print([l for l in f])
print(repr(f.read(3)))
g = io.StringIO()
print(g.write("héllo"), g.write(" world\n"), g.tell())
print(repr(g.getvalue()))
g.seek(0)
print(repr(g.read(2)), g.tell())
g.write("XY")
print(repr(g.getvalue()))
g.writelines(["a\n", "b\n"])
print(repr(g.getvalue()))
h = StringIO("abc")
h.write("Z")
print(repr(h.getvalue()))
print(h.truncate(2), repr(h.getvalue()))
h.close()
try:
    h.read()
except ValueError as e:
    print("ValueError:", e)
try:
    StringIO().write(5)
except TypeError as e:
    print("TypeError:", e)
