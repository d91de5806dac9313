# expect: fuel
# Comparing two equal 10k-element lists walks every element: the walk must cost fuel.
a = list(range(10000))
b = list(range(10000))
n = 0
while True:
    if a == b:
        n += 1
