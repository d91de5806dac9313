# expect: fuel|memory|collection_length
# sum() of lists concatenates them one by one: quadratic work and copies.
xs = [[1] * 1000] * 10000
total = sum(xs, [])
print("ESCAPED", len(total))
