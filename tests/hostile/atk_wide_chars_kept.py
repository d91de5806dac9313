# expect: memory|string_length
# Strings of 4-byte characters kept in a list: the memory budget must count
# their bytes (4 per character), or real memory grows 4x past the budget.
s = "\U0010ffff" * 100000
kept = []
i = 0
while True:
    kept.append(s + str(i))
    i += 1
print("ESCAPED", len(kept))
