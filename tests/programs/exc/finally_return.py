def f():
    try:
        return "try"
    finally:
        print("finally runs before return")
print(f())
def g():
    for i in range(3):
        try:
            if i == 1:
                continue
            if i == 2:
                break
            print("body", i)
        finally:
            print("cleanup", i)
    return "done"
print(g())
def h():
    try:
        raise KeyError("k")
    except KeyError:
        return "handled"
    finally:
        print("h finally")
print(h())
