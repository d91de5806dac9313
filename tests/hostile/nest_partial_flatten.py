# expect: ok
# A functools.partial of a partial of ... 50 000 levels deep, then called.
# CPython flattens nested partials, so the call is one step and prints 3.
# Calling through each level recursively in Rust overflowed the host's stack
# and aborted `rlm serve` (issue #33).
from functools import partial

p = partial(lambda x, *rest: x, 3)
for _ in range(50000):
    p = partial(p)
print(p())
p = None
