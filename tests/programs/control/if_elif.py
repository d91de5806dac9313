def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        return "small"
    else:
        return "large"
print([classify(n) for n in (-5, 0, 3, 99)])
x = 7
if x:
    pass
if x > 5 and x < 10 or x == 0:
    print("range hit")
if not (x % 2 == 0):
    print("odd")
