d = {"a": 1}
try:
    d["missing"]
except KeyError as e:
    print(type(e).__name__, e)
try:
    d[("t", 1)]
except KeyError as e:
    print(type(e).__name__, e)
try:
    {}.popitem()
except KeyError as e:
    print(type(e).__name__, e)
try:
    d.pop("nope")
except KeyError as e:
    print(type(e).__name__, e)
try:
    {[1]: 2}
except TypeError as e:
    print(type(e).__name__, e)
try:
    del d["zz"]
except KeyError as e:
    print(type(e).__name__, repr(e))
