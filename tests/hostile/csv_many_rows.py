# expect: collection_length|memory|fuel
# A record of 79k fields: the reader's row is held to the caps (a reader
# reads its rows one at a time, so a file of many records is a stream).
import csv
import io
row = next(csv.reader(io.StringIO("a," * 79000 + "\n")))
print(len(row))
