# expect: fuel
# Raising and catching a million exceptions a second, forever.
n = 0
while True:
    try:
        {}["missing"]
    except KeyError as e:
        n += 1
