from collections import deque
window = deque(maxlen=3)
for i in range(6):
    window.append(i)
    print(list(window), sum(window) / len(window))
print(window, window.maxlen)
w2 = deque("abcdef", 2)
print(w2)
w2.appendleft("z")
print(w2)
