# expect: nesting
# Partials nested through their arguments (not flattened: the function is
# `f`), 50 000 deep: repr walks them one level each, to the nesting cap.
from functools import partial

def f(*a):
    return a

p = partial(f)
for _ in range(50000):
    p = partial(f, p)
print(repr(p))
print("ESCAPED")
