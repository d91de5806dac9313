def parse_all(items):
    out = []
    for it in items:
        try:
            try:
                out.append(int(it))
            except ValueError:
                out.append(float(it))
        except ValueError:
            out.append(None)
        finally:
            pass
    return out
print(parse_all(["1", "2.5", "x", "-3", "1e2"]))
try:
    try:
        raise IndexError("first")
    finally:
        print("inner finally")
except IndexError as e:
    print("caught", e)
