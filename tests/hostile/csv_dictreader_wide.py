# expect: collection_length|memory|fuel
# DictReader over rows of 1000 fields each, kept: dicts held to the budget.
import csv
import io
line = ",".join(["v"] * 1000) + "\n"
header = ",".join(str(i) for i in range(1000)) + "\n"
keep = []
while True:
    keep.extend(csv.DictReader(io.StringIO(header + line * 100)))
