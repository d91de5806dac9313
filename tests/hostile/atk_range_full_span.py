# expect: overflow|collection_length|memory
# A range spanning all of i64: indexing and slicing are fine (CPython too),
# its length does not fit (CPython: OverflowError), and materialising it must
# hit a limit, never a size computed with wrapped arithmetic.
lo = -2**62 * 2
hi = 2**62 - 1 + 2**62
r = range(lo, hi)
print(r[2**62], r[-1], r[::3][5])
xs = list(r)
print("ESCAPED", len(xs))
