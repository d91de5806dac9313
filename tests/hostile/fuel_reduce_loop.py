# expect: fuel
# functools.reduce with a lambda over 15k items, forever.
import functools
while True:
    x = functools.reduce(lambda a, b: a + b, range(15000))
