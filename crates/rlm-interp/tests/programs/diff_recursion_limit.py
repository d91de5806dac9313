# A RecursionError under a limit the program lowered itself (sys.setrecursionlimit) is CPython's, and the program may catch it, in a function, in a handler that recurses again, in a sort key (issue #76); the embedder's own limit stays a limit error no program catches.
import sys
sys.setrecursionlimit(60)
def f(n):
    return f(n + 1)
try:
    f(0)
except RecursionError as e:
    print('caught', type(e).__name__, e)
def g(n):
    try:
        return g(n + 1)
    except RecursionError:
        return n
print(g(0) > 20)
try:
    sorted([3, 1, 2], key=lambda x: f(0))
except RecursionError as e:
    print('caught in a key', e)
print(sys.getrecursionlimit())
