n = 0
for i in range(0, len(context), 1000):
    chunk = context[i:i + 1000]
    n += chunk.count("needle")
print(n)
