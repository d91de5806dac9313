stack = []
for x in "abc":
    stack.append(x)
while stack:
    print("pop", stack.pop())
queue = [1, 2, 3]
while queue:
    first = queue.pop(0)
    print("got", first)
    if first == 1:
        queue.append(4)
