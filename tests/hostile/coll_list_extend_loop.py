# expect: collection_length
x = []
while True:
    x.extend(range(10000))
