# expect: fuel
# Sorting the items of a 5k-key dict, forever.
d = {i: i for i in range(5000)}
while True:
    x = sorted(d.items())
