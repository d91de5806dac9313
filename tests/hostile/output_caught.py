# expect: output
try:
    while True:
        print("x" * 1000)
except BaseException:
    print("ESCAPED")
