# expect: memory|collection_length|fuel
# dict(zip(...)) over two huge ranges: the pairs are materialised first and
# must be charged as they are (issue #33: 1.9 GB before the error). zip and
# map are lazy now: under tight limits fuel may trip first, each pair paying
# its steps and its new dict key.
d = dict(zip(range(10**8), map(str, range(10**8))))
print("ESCAPED")
