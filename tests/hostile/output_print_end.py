# expect: output
tail = "y" * 100000
while True:
    print("x", end=tail)
