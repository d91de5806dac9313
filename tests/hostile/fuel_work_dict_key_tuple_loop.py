# expect: fuel
# A big tuple as a dict key is hashed (and compared) item by item on every lookup.
t = tuple(range(19_000))
d = {t: 1}
while True:
    v = d[t]
print("ESCAPED")
