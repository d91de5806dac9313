def depth(n):
    if n == 0:
        raise IndexError("bottom reached")
    return depth(n - 1)
print("descending")
depth(5)
