# expect: collection_length|memory
# Exponential list growth.
x = [0]
while True:
    x = x + x
