text = "alpha beta"
print(text.split())
first, second, third = text.split()
