hog = []
while True:
    hog.append('x' * 1000000)
