# expect: ok
# A field over CPython's field limit (131072 characters) is a csv.Error.
import csv
try:
    list(csv.reader(['"' + "x" * 200000]))
    print("ESCAPED: no error")
except csv.Error as e:
    print("refused:", e)
