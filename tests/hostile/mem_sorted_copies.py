# expect: memory|fuel
# Sorted copies kept alive. Sorting costs n log n fuel while a copy costs 16n
# bytes, so under the README's ratios fuel may run out first: either bounds it.
base = list(range(10000))
keep = []
while True:
    keep.append(sorted(base))
