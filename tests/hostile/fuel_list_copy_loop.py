# expect: fuel
# Copying, reversing and concatenating lists, forever.
l = list(range(5000))
while True:
    m = l[:]
    m = l[::-1]
    m = l + l
