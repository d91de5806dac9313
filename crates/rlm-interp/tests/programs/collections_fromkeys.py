# The dict flavours' fromkeys, called on the type: the result keeps the
# flavour (CPython's classmethod), and Counter's is undefined.
import collections
o = collections.OrderedDict.fromkeys("abca")
print(o, type(o).__name__, list(o))
o.move_to_end("a")
print(o, collections.OrderedDict.fromkeys([1, 2], 0))
d = collections.defaultdict.fromkeys(["x", "y"], [])
print(d, type(d).__name__, d.default_factory)
try:
    collections.Counter.fromkeys("ab")
except NotImplementedError as e:
    print("NotImplementedError", e)
print(dict.fromkeys(range(3)), collections.OrderedDict().fromkeys("xy", 1))
