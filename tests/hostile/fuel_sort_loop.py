# expect: fuel
# Sorting a 100k list with a key callback, forever.
data = list(range(10**5))
while True:
    data.sort(key=lambda x: -x)
