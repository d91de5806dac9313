# Issue #76: a csv reader reads a line at a time and counts them; readers and writers have a dialect.
import csv
import io

# next(reader) reads one record: the file goes on from there.
f = io.StringIO("f1,f2,f3\r\n1,2,abc\r\n4,5,6\r\n")
names = next(csv.reader(f))
print(names, repr(f.readline()), repr(f.read()))
f.seek(0)
rows = csv.DictReader(f, fieldnames=next(csv.reader(f)))
print(rows.fieldnames, next(rows))

# line_num counts lines read, a quoted newline included.
r = csv.reader(['a,"b', 'c"', 'd', '', 'e'])
print(r.line_num)
for row in r:
    print(row, r.line_num)
print(next(r, "done"), r.line_num)
print(list(csv.reader(["x,y"])), list(csv.reader(iter(["1,2", "3"]))))
print(type(csv.reader([])).__name__)

# A record cut short by the end of the data.
print(list(csv.reader(['a,"b'])))
try:
    list(csv.reader(['a,"b'], strict=True))
except csv.Error as e:
    print("Error:", e)
try:
    list(csv.reader(["a", 3]))
except csv.Error as e:
    print("Error:", e)
try:
    csv.reader(5)
except TypeError as e:
    print("TypeError:", e)

# The dialect's options, as attributes.
for obj in [csv.reader([]), csv.writer(io.StringIO()),
            csv.reader([], delimiter=":", doublequote=False, escapechar="\\", lineterminator="\r",
                       quotechar="*", quoting=csv.QUOTE_NONE, skipinitialspace=True, strict=True),
            csv.writer(io.StringIO(), dialect="unix"), csv.reader([], quotechar=None)]:
    d = obj.dialect
    print(repr(d.delimiter), repr(d.quotechar), repr(d.escapechar), d.doublequote,
          d.skipinitialspace, repr(d.lineterminator), d.quoting, d.strict)

# quotechar=None quotes nothing unless a quoting is asked for.
print(list(csv.reader(['1,",3,",5'], quotechar=None, escapechar="\\")))
for kw in [dict(quotechar=None, quoting=csv.QUOTE_MINIMAL), dict(quoting=4), dict(quoting="1"),
           dict(quoting=1.0)]:
    try:
        csv.reader([], **kw)
    except TypeError as e:
        print("TypeError:", e)
