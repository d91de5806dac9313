# expect: collection_length
# tee makes n iterators at once: a huge n is refused before anything is made
# (it asked Rust for a 2^62-slot vector and panicked).
import itertools
r = itertools.tee([1, 2, 3], 2**62)
print("ESCAPED", len(r))
