xs = [0] * 10
while True:
    xs = xs + xs
