# expect: nesting
# 100k nested lists: printing must not overflow the native stack.

x = []
for _ in range(100000):
    x = [x]
print(x)
