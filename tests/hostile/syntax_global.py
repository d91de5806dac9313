# expect: syntax
n = 0

def bump():
    global n
    n += 1

bump()
print("ESCAPED", n)
