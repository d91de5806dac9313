# expect: memory
# Each closure keeps its own list of a 100k-character string alive.
def make():
    data = ['z' * 100000]
    return lambda: data
keep = []
while True:
    keep.append(make())
