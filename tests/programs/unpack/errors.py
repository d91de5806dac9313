cases = ["a, b = [1]", "a, b = [1, 2, 3]", "a, b = 5", "a, *b, c = [1]"]
try:
    a, b = [1]
except ValueError as e:
    print(type(e).__name__, e)
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print(type(e).__name__, e)
try:
    a, b = 5
except TypeError as e:
    print(type(e).__name__, e)
try:
    a, *b, c = [1]
except ValueError as e:
    print(type(e).__name__, e)
print(len(cases))
