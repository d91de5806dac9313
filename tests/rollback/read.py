print(findings[:5], len(findings), count, name, sorted(seen))
print(sorted(by_word.items())[:2], sorted(tally.items()))
print(table, notes, list(dq), bump(), nested[0] is findings, shared is table['a'])
print(len(nested[2][0]))
try:
    print(made_in_cell_5)
except NameError:
    print('made_in_cell_5 is not defined')
