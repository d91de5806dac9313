import itertools
items = list(range(11))
batches = [items[i:i + 4] for i in range(0, len(items), 4)]
print(batches)
it_batches = []
for start in range(0, len(items), 4):
    it_batches.append(list(itertools.islice(items, start, start + 4)))
print(it_batches == batches)
print(list(itertools.chain(*batches)) == items)
print(sum(1 for _ in itertools.combinations(range(10), 3)))
