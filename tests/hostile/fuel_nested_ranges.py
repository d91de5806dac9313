# expect: fuel
# Finite but astronomically long: 10**18 iterations.
total = 0
for i in range(10**9):
    for j in range(10**9):
        total += 1
print("ESCAPED", total)
