# expect: fuel|collection_length
# Membership test against an infinite iterator.
import itertools
print("a" in itertools.repeat("b"))
print("ESCAPED")
