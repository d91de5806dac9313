# expect: collection_length|memory
# A StringIO of 79k records: the reader's rows are held to the caps.
import csv
import io
rows = list(csv.reader(io.StringIO("a,b\n" * 79000)))
print(len(rows))
