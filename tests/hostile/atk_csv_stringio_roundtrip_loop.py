# expect: fuel
# Writing 2 000 rows to a StringIO with csv and reading them back, repeated.
import csv
import io
rows = [[i, "a,b", 'q"q'] for i in range(2000)]
while True:
    f = io.StringIO()
    csv.writer(f).writerows(rows)
    back = list(csv.reader(io.StringIO(f.getvalue())))
print("ESCAPED")
