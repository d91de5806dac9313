# csv.DictWriter's methods called through the class (issue #76, test_csv's TestDictFields): csv.DictWriter.writerow(w, row) is w.writerow(row), and the method is a value.
import csv
from io import StringIO
f = StringIO()
w = csv.DictWriter(f, ['f1', 'f2'], extrasaction='ignore')
csv.DictWriter.writeheader(w)
print(csv.DictWriter.writerow(w, {'f0': 0, 'f1': 1, 'f2': 2, 'f3': 3}))
csv.DictWriter.writerows(w, [{'f1': 'a'}, {'f2': 'b,c'}])
print(repr(f.getvalue()))
g = StringIO()
w2 = csv.DictWriter(g, ['a'], extrasaction='raise')
write = csv.DictWriter.writerow
try:
    write(w2, {'a': 1, 'b': 2})
except ValueError as e:
    print('ValueError', e)
write(w2, {'a': 5})
print(repr(g.getvalue()), callable(write))
