# expect: fuel
# Set operations on 5k-element sets, forever: each must cost its size.
a = set(range(5000))
b = set(range(5000))
while True:
    c = a & b
    c = a | b
    c = a - b
