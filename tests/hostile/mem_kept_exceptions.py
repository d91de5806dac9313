# expect: memory|string_length
# Kept exceptions keep their (large) arguments alive.
keep = []
while True:
    try:
        raise ValueError('e' * 100000)
    except ValueError as e:
        keep.append(e)
