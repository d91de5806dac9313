n = 42
print("n=" + str(n))
print("n=" + n)
