# expect: memory|collection_length
# [x] * n, kept, growing: each result is charged before it is allocated
# (issue #33: 600-680 MB).
keep = []
n = 1000
while True:
    keep.append(["x"] * n)
    n = n * 2
print("ESCAPED")
