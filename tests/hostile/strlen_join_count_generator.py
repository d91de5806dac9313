# expect: fuel|collection_length|string_length
# join over a generator that never ends.
import itertools
print(len(' '.join(str(i) for i in itertools.count())))
