import sys
from sys import maxsize, version_info
import csv

print(sys.maxsize, maxsize == 9223372036854775807, sys.platform, isinstance(sys.argv, list))
print(sys.version.startswith("3."), sys.version[:5])
print(sys.version_info >= (3, 8), sys.version_info < (4,), sys.version_info > (3, 11))
print(sys.version_info[0], sys.version_info[:2], version_info.major, version_info.minor)
print(len(sys.version_info), sys.version_info.releaselevel, sys.version_info.serial)
print(sys.version_info[:2] == (3, 11), tuple(sys.version_info)[:2], list(sys.version_info)[3:])
major, minor, micro, level, serial = sys.version_info
print(major, minor, level)
print(sys.version_info >= (3, 11, 0), (3, 8) <= sys.version_info, 3 in sys.version_info)
if sys.version_info >= (3, 9):
    print("new enough")
print(type(sys.version_info).__name__)
n = sys.stdout.write("no newline")
print()
print(n, sys.stdout.write(""), sys.stdout.write("é\n"))
print(sys.stdout.flush(), sys.stderr.flush())
for bad in [0, -5, "a", 2.5]:
    try:
        sys.setrecursionlimit(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
try:
    sys.getrecursionlimit(1)
except TypeError as e:
    print("TypeError", e)
print(sys.getsizeof(1) > 0, isinstance(sys.getsizeof("abc"), int))
try:
    sys.getsizeof()
except TypeError as e:
    print("TypeError", e)
print(csv.field_size_limit(sys.maxsize))
print(csv.field_size_limit(), csv.field_size_limit(131072), csv.field_size_limit())
for bad in ["a", 1.5]:
    try:
        csv.field_size_limit(bad)
    except TypeError as e:
        print("TypeError", e)
try:
    csv.field_size_limit(1, 2)
except TypeError as e:
    print("TypeError", e)
csv.field_size_limit(5)
try:
    list(csv.reader(["abcdefgh,1"]))
except csv.Error as e:
    print("csv.Error", e)
csv.field_size_limit(131072)
print(list(csv.reader(["abcdefgh,1"])))
