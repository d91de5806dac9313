import csv
import io
def w(rows, **kw):
    out = io.StringIO()
    try:
        wr = csv.writer(out, **kw)
        for r in rows:
            wr.writerow(r)
        print(kw, repr(out.getvalue()))
    except (csv.Error, TypeError, ValueError) as e:
        print(kw, type(e).__name__, e)
rows = [["a", "b,c", 'say "hi"', "line\nbreak", "", None, 3, 2.5, True, "cr\r"]]
w(rows)
w(rows, quoting=csv.QUOTE_ALL)
w(rows, quoting=csv.QUOTE_NONNUMERIC)
w([["a b", "c"]], quoting=csv.QUOTE_NONE)
w([["a,b"]], quoting=csv.QUOTE_NONE)
w([["a,b", 'q"q']], quoting=csv.QUOTE_NONE, escapechar="\\")
w([['q"q']], doublequote=False, escapechar="\\")
w([['q"q']], doublequote=False)
w([[""]])
w([[]])
w([[None]])
w([["x", "y"]], delimiter="\t", lineterminator="\n")
w([["x", "y"]], dialect="unix")
w([(1, 2), "ab", range(3)])
w([5])
out = io.StringIO()
wr = csv.writer(out)
print(wr.writerow(["a", "b"]))
wr.writerows([[1, 2], [3, 4]])
print(repr(out.getvalue()))
out.seek(0)
print(list(csv.reader(out)))
