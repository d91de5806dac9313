# DSL-only: an int set's order is CPython's slot order for a table rebuilt from the current members; after removals CPython's real table (with its deleted slots and resizes) can order them differently. Members and sorted() agree.
s = {3, 1, 2}
s.add(4); s.discard(1); s.remove(2)
print(s, s.pop() in {3, 4}, len(s))
s.update([7, 8], {9})
print(s, sorted(s))
