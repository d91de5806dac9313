# expect: fuel
# Retry forever: catching everything inside an infinite loop must still end.
n = 0
while True:
    try:
        n += 1
        if n % 2:
            raise ValueError("again")
    except Exception:
        continue
