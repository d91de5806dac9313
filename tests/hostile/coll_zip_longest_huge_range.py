# expect: fuel
# zip_longest padding a one-item list to 10**12: lazy (issue #76), the list grows until the fuel runs out.
import itertools
print(len(list(itertools.zip_longest([1], range(10**12)))))
