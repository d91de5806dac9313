# expect: collection_length|fuel
# insert(0, ...) is O(n) per call: the work must be charged as it grows.
x = []
while True:
    x.insert(0, len(x))
