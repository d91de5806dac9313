# expect: fuel
# Hashing a tuple DAG whose levels share their child: 2**60 leaves to hash.
t = (1,)
for _ in range(60):
    t = (t, t)
d = {t: 1}
print("ESCAPED", len(d))
