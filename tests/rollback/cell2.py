for i in range(50):
    findings.append(i * 3)
    count += 1
    seen.add(i % 7)
    by_word['w' + str(i % 5)].append(i)
    tally['k' + str(i % 3)] += 1
table = {'a': [1, 2], 'b': {'x': (1, 2)}}
