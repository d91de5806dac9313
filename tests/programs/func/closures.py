def make_counter(start):
    state = [start]
    def inc(step=1):
        state[0] += step
        return state[0]
    return inc
c = make_counter(10)
print(c(), c(), c(5))
def adder(n):
    return lambda x: x + n
add3 = adder(3)
print(add3(4), adder(10)(1))
fs = []
for i in range(3):
    fs.append(lambda: i)
print([f() for f in fs])
gs = []
for i in range(3):
    def make(j):
        return lambda: j * 10
    gs.append(make(i))
print([g() for g in gs])
def outer():
    x = 1
    def inner():
        return x + 1
    x = 5
    return inner()
print(outer())
