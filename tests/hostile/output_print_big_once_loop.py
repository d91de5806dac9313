# expect: output|string_length
while True:
    print("x" * 10**7)
