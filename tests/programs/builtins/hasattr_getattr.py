s = "text"
print(hasattr(s, "upper"), hasattr(s, "nope"), hasattr([], "append"), hasattr({}, "items"))
up = getattr(s, "upper")
print(up(), getattr(s, "missing", "default"), getattr([1, 2], "count")(1))
try:
    getattr(s, "missing")
except AttributeError as e:
    print(type(e).__name__, e)
import math
print(getattr(math, "pi"), hasattr(math, "tau"), hasattr(math, "xyz"))
