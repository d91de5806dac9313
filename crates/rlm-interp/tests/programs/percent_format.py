print("%s and %r" % ("str", "repr"))
print("%d items, %5.2f%%, %-6s|, %06.1f, %x, %X, %o, %e" % (3, 45.678, "ab", 3.14159, 255, 255, 8, 12345.678))
print("%(name)s is %(age)d" % {"name": "Ann", "age": 30})
print("%5d|%-5d|%+d|% d|%.3d" % (42, 42, 42, 42, 7))
print("%c%c" % ("a", 98), "%s" % [1, 2], "%s" % (None,), "%.2s" % "hello")
print("%10.3f|%-10.2e|%g|%g" % (3.14159, 1234.5, 0.0001, 1e20))
try:
    print("%d %d" % (1,))
except TypeError as e:
    print("TypeError:", e)
try:
    print("%d" % (1, 2))
except TypeError as e:
    print("TypeError:", e)
