# expect: memory|fuel
# Self-referencing lists that become unreachable at once: reference counting
# never frees them, so the cycle collector must (issue #33: 1.55 GB). The
# program keeps nothing, so running out of fuel is the right end.
while True:
    a = ["y"] * 1000
    a.append(a)
print("ESCAPED")
