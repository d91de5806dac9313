# expect: output
s = "x" * 100000
while True:
    print(s)
