import csv
import io
text = "name,age,city\nAnn,30,Paris\nBob,25\n\nCy,40,Rome,extra,more\n"
r = csv.DictReader(io.StringIO(text))
print(r.fieldnames)
for row in r:
    print(row)
r = csv.DictReader(io.StringIO(text), restkey="rest", restval="?")
print([dict(x) for x in r])
r = csv.DictReader(io.StringIO("1,2\n3,4\n"), fieldnames=["a", "b"])
print(list(r))
print(csv.DictReader(io.StringIO("")).fieldnames)
rows = list(csv.DictReader(io.StringIO("a;b\n1;2\n"), delimiter=";"))
print(rows, rows[0]["b"])
out = io.StringIO()
w = csv.DictWriter(out, fieldnames=["name", "score"])
print(w.writeheader())
w.writerow({"name": "Ann", "score": 3})
w.writerow({"name": "B,b"})
w.writerows([{"name": "C", "score": 1.5}, {"score": None}])
print(repr(out.getvalue()))
try:
    w.writerow({"name": "x", "bad": 1})
except ValueError as e:
    print("ValueError:", e)
out = io.StringIO()
w = csv.DictWriter(out, ["a"], extrasaction="ignore", restval="R", lineterminator="\n")
w.writerow({"b": 1})
w.writerow({"a": 2, "z": 3})
print(repr(out.getvalue()))
try:
    csv.DictWriter(io.StringIO(), ["a"], extrasaction="nope")
except ValueError as e:
    print("ValueError:", e)
