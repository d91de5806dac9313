# expect: memory|string_length
# A csv.writer filling a StringIO forever: the buffer is charged as it grows.
import csv
import io
f = io.StringIO()
w = csv.writer(f)
row = ["x" * 1000] * 100
while True:
    w.writerow(row)
