# expect: collection_length|memory|fuel
# One CSV line of 300k empty fields: the row is held to the collection cap.
import csv
rows = list(csv.reader(["," * 300000]))
print(len(rows[0]))
