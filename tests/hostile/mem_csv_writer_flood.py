# expect: memory|string_length
# A csv.writer writing wide rows into a StringIO forever: the buffer must be
# charged before each growth, not after it doubled (issue #33: 1.49 GB).
import csv
import io
f = io.StringIO()
w = csv.writer(f)
row = ["x" * 1000] * 50
while True:
    w.writerow(row)
print("ESCAPED")
