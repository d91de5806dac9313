# str.maketrans checks its arguments as CPython does, in its order (the second and
# third arguments' types first), and translate's mapping to an int past 0x10FFFF is
# a ValueError (issue #76: test_unicode's test_maketrans_translate).
cases = [(), ('abc', 'defg'), (2, 'def'), ('abc', 2), ('abc', 'def', 2), ({'xy': 2},),
         ({(1,): 2},), ('a',), (2, 3), ('a', 'b', 'c', 'd'), ({True: 'x', 'é': None},)]
for a in cases:
    try:
        print(str.maketrans(*a))
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
for before in "a\xe9\u20ac\U0010ffff":
    mapping = str.maketrans({before: 0x10ffff + 1})
    try:
        ("[%s]" % before).translate(mapping)
    except ValueError as e:
        print("ValueError", e)
for table in [{ord('a'): 1.5}, {ord('a'): [1]}, {ord('a'): -1}, {ord('a'): True}]:
    try:
        print(repr('ab'.translate(table)))
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
for a in [('hello',), ('abababc', 'abc', 'xyz')]:
    try:
        print(a[0].translate(*a[1:]))
    except TypeError as e:
        print(type(e).__name__, e)
