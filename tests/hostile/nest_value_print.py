# expect: nesting
# 20k nested lists: printing must not overflow the native stack.

x = []
for _ in range(20000):
    x = [x]
print(x)
