x = [1, 2]
x.append(x)
print(x, len(x), x[2] is x)
d = {"name": "root"}
d["self"] = d
print(d)
a = []
b = [a]
a.append(b)
print(a, b)
m = {"items": []}
m["items"].append(m)
print(m, str(x), repr(d) == str(d))
t = ([],)
t[0].append(t)
print(t)
print([x, x])
