total = 10
count = 0
print("avg of", total)
print(total / count)
