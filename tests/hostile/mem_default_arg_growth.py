# expect: memory|collection_length
# A mutable default argument that grows on every call.
def f(acc=[]):
    acc.extend(range(1000))
    return len(acc)
while True:
    f()
