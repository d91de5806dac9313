# Issue #76: what models write around csv, Counter and json, as CPython 3.11 runs it.
import csv
import io
import json
from collections import Counter

# A DictReader is an iterator: next() skips or takes a row, a loop goes on from there.
reader = csv.DictReader(io.StringIO("name,qty\napple,3\npear,5\nfig,1\n"))
first = next(reader)
print(first, reader.fieldnames)
print([row["name"] for row in reader])
print(next(reader, "done"))
try:
    next(reader)
except StopIteration:
    print("exhausted")

# Counters compare as multisets; a missing count is zero.
a = Counter(apple=3, pear=2)
b = Counter(apple=3, pear=2, fig=0)
c = Counter(apple=4, pear=2, fig=1)
print(a == b, a != b, a <= c, a < c, c >= a, c > a, a < a, a <= a, b > a, b >= a)
print(Counter("abc") == {"a": 1, "b": 1, "c": 1}, Counter(x=0) == {})
try:
    a < {"apple": 5}
except TypeError as e:
    print("TypeError:", e)

# A JSONDecodeError names what failed, where.
for doc in ['{"a": 1,}', '[1, 2', '{"a" 1}', '{"a": 1} x', '\n\n  [tru]']:
    try:
        json.loads(doc)
    except json.JSONDecodeError as e:
        print(repr(e.msg), e.pos, e.lineno, e.colno, e.doc == doc, str(e))
