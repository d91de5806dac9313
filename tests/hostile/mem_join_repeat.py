# expect: memory|string_length|collection_length
# "".join over itertools.repeat: the items are materialised (charged as they
# are) and the joined text is checked before it is built (issue #33: 600 MB).
from itertools import repeat
n = 1000
keep = []
while True:
    keep.append("".join(repeat("x" * 100, n)))
    n = n * 2
print("ESCAPED")
