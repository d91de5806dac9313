findings.append(-1)
findings.sort()
findings[0] = 'changed'
count = -5
name = 'beta'
seen.add(99)
seen.discard(0)
by_word['w0'].append(-1)
by_word['new'].append(1)
tally['k0'] += 100
table['a'].append(3)
del table['b']
dq.appendleft(0)
dq.append(9)
bump(); bump()
notes.clear()
nested.append(nested)
made_in_cell_5 = [nested, findings]
made_in_cell_5.append(made_in_cell_5)
