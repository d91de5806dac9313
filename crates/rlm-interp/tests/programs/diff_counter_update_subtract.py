# Issue #76: Counter.update and Counter.subtract with a source and keywords, bound or not, as CPython 3.11 runs them.
from collections import Counter
def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__, e)
c = Counter(a=1); c.update("ab", a=2, z=-1); print(c)
c = Counter(); c.update(iterable=None, self=3); print(list(c.items()))
c = Counter("aab"); c.subtract({"a": 1}, b=5, q=1); print(c)
c = Counter(); Counter.update(c, "xyx"); Counter.subtract(c, x=1); print(c)
for f in [lambda: Counter.update(), lambda: Counter.subtract(), lambda: Counter().update(42),
          lambda: Counter().update({}, {}), lambda: Counter().subtract(42), lambda: Counter().subtract({}, {}),
          lambda: Counter().update(None), lambda: Counter(a=1).update(a=None)]:
    show(f)
