# DSL-only: sys is the sandbox's: argv is empty, the recursion limit is the interpreter's call-depth limit (a program may lower it, not raise it), getsizeof gives our memory count's bytes, sys.stderr writes to the program's output, and a missing attribute lists what sys has
import sys

print(sys.argv, sys.version)
print(repr(sys.version_info), type(sys.version_info), type(sys.stdout))
print(sys.getrecursionlimit())
sys.setrecursionlimit(10**6)
print(sys.getrecursionlimit())
sys.setrecursionlimit(100)
print(sys.getrecursionlimit())
sys.setrecursionlimit(10**6)
print(sys.getrecursionlimit())
print(sys.getsizeof(1), sys.getsizeof(1.5), sys.getsizeof(None))
print(sys.getsizeof("abc"), sys.getsizeof("x" * 1000), sys.getsizeof([]), sys.getsizeof(list(range(100))))
print(sys.getsizeof({}), sys.getsizeof({1: 2}), sys.getsizeof((1, 2, 3)), sys.getsizeof(set(range(10))))
print(sys.stderr.write("to stderr\n"))
for bad in [1, None]:
    try:
        sys.stdout.write(bad)
    except TypeError as e:
        print("TypeError", e)
try:
    sys.stdout.write("a", "b")
except TypeError as e:
    print("TypeError", e)
try:
    sys.setrecursionlimit(1)
except RecursionError as e:
    print("RecursionError", e)
try:
    sys.exit(0)
except AttributeError as e:
    print("AttributeError", e)
try:
    from sys import path
except AttributeError as e:
    print("AttributeError", e)
