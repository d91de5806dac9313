# expect: memory|collection_length
# dict(zip(...)) over two huge ranges: the pairs are materialised first and
# must be charged as they are (issue #33: 1.9 GB before the error).
d = dict(zip(range(10**8), map(str, range(10**8))))
print("ESCAPED")
