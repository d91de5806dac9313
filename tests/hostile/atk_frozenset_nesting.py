# expect: nesting|fuel|memory
# frozenset({frozenset({...})}): each level hashes the one below it.
f = frozenset()
while True:
    f = frozenset([f])
print("ESCAPED")
