# expect: collection_length
# zip_longest padding a one-item list to 10**12.
import itertools
print(len(list(itertools.zip_longest([1], range(10**12)))))
