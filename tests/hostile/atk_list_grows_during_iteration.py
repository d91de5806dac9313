# expect: collection_length|memory|fuel
# A for loop over a list that appends to it: never ends by itself.
xs = ["x"]
for x in xs:
    xs.append(x)
print("ESCAPED", len(xs))
