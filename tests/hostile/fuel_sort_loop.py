# expect: fuel
# Sorting a 10k list with a key callback, forever.
data = list(range(10**4))
while True:
    data.sort(key=lambda x: -x)
