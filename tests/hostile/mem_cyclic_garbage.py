# expect: memory|fuel
# Each round leaves a self-referencing list holding 100k characters that
# nothing else reaches. Reference counting alone never frees it: the cycles
# must be collected (or charged), or real memory grows far past the budget.
# The program itself keeps nothing, so running out of fuel is a fine end.
while True:
    x = ["y" * 100000]
    x.append(x)
print("ESCAPED")
