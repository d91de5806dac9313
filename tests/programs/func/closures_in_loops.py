callbacks = []
for n in range(3):
    callbacks.append(lambda: n)
print([cb() for cb in callbacks])
callbacks = []
for n in range(3):
    callbacks.append(lambda n=n: n)
print([cb() for cb in callbacks])
def make_adder(k):
    def add(v):
        return v + k
    return add
adders = [make_adder(k) for k in range(3)]
print([a(10) for a in adders])
def counter():
    state = {"count": 0}
    def bump(step=1):
        state["count"] += step
        return state["count"]
    return bump
c1, c2 = counter(), counter()
print(c1(), c1(), c1(5), c2())
def accumulate():
    items = []
    def add(x):
        items.append(x)
        return list(items)
    return add
acc = accumulate()
acc(1)
print(acc(2), acc(3))
def outer():
    x = 1
    def read():
        return x
    x = 2
    return read
print(outer()())
handlers = {}
for name in ["a", "b"]:
    def handler(msg, name=name):
        return f"{name}:{msg}"
    handlers[name] = handler
print(handlers["a"]("hi"), handlers["b"]("yo"))
def compose(*fns):
    def run(v):
        for f in fns:
            v = f(v)
        return v
    return run
print(compose(lambda s: s.strip(), str.upper, lambda s: s + "!")("  go "))
