total, count = 7.5, 0
print(total)
average = total / count
