# expect: nesting
# Two distinct equal deep values: equality must recurse, and hit the cap.

x = []
y = []
for _ in range(5000):
    x = [x]
    y = [y]
print(x == y)
print("ESCAPED")
