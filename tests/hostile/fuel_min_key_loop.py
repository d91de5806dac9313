# expect: fuel
# min() with a key callback over 15k items, forever.
l = list(range(15000))
while True:
    m = min(l, key=lambda v: -v)
