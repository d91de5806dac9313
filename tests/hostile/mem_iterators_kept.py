# expect: memory
# Iterators that hold their results (itertools builds them eagerly) kept
# alive in a list: the memory budget must count what they hold.
import itertools
keep = []
while True:
    keep.append(itertools.permutations(range(7)))
print("ESCAPED")
