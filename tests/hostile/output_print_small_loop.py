# expect: output
while True:
    print("spam")
