# expect: output
sep = "-" * 100000
while True:
    print(1, 2, 3, sep=sep)
