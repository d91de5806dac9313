# json.dumps as CPython 3.11's encoders (issue #76): skipkeys; a default= that mutates what is being dumped (a list is read live by both encoders, a dict's items copied first by the C encoder and walked live by the Python one, used with indent: a change of size raises RuntimeError); a default that gives its object back is a circular reference; a replacement is written at its object's indentation.
import json
l = [1, {2}, 3]
def d(o):
    l.append(4)
    return 'S'
print(json.dumps(l, default=d))
l = [1, {2}, 3]
print(json.dumps(l, default=d, indent=1))
l = [1, {2}, 3, 5]
def d2(o):
    l.clear()
    return 'S'
print(json.dumps(l, default=d2))
l = [1, {2}, 3, 5]
print(json.dumps(l, default=d2, indent=1))
dd = {'a': {1}, 'b': 2}
def d3(o):
    dd['c'] = 3
    return 'S'
print(json.dumps(dd, default=d3))
dd = {'a': {1}, 'b': 2}
try:
    print(json.dumps(dd, default=d3, indent=1))
except Exception as e:
    print(type(e).__name__, e)
dd = {'a': {1}, 'b': 2}
def d4(o):
    del dd['b']
    return 'S'
print(json.dumps(dd, default=d4))
dd = {'a': {1}, 'b': 2}
try:
    print(json.dumps(dd, default=d4, indent=1))
except Exception as e:
    print(type(e).__name__, e)
dd = {'a': {1}, 'b': 2}
def d5(o):
    dd['b'] = 'changed'
    return 'S'
print(json.dumps(dd, default=d5))
dd = {'a': {1}, 'b': 2}
print(json.dumps(dd, default=d5, indent=1))
l = [{1}, [1]]
def d6(o):
    l[1].append(9)
    return 'S'
print(json.dumps(l, default=d6))
l = [{1}, {2}]
def d7(o):
    l.pop()
    return sorted(o)
print(json.dumps(l, default=d7))
for kw in [{}, {'indent': 1}, {'indent': 2, 'sort_keys': True}, {'sort_keys': True}, {'separators': (',', ':')}]:
    for obj in [{(1,): 1}, {(1,): 1, 'a': 2}, {'a': 2, (1,): 1, 'b': [1, {(2,): 3}]}, {1: 2, (1, 2): 3, 'a': 4}, [{}, [], {(1,): 2}]]:
        try:
            print(kw, json.dumps(obj, skipkeys=True, **kw))
        except Exception as e:
            print(kw, type(e).__name__, e)
for f in [lambda o: o, lambda o: [o], lambda o: {'k': o}, lambda o: sorted(o)]:
    for kw in [{}, {'indent': 1}]:
        try:
            print(json.dumps([{1}, {2: {3}}], default=f, **kw))
        except Exception as e:
            print(type(e).__name__, e)
x = {1}
print(json.dumps([x, x], default=list))
print(json.dumps({'a': x, 'b': x}, default=list, indent=1))
print(json.dumps({1: 2, (1, 2): 3, 'a': 4}, skipkeys=True))
print(json.dumps({(1, 2): 3}, skipkeys=True))
print(json.dumps({None: 1, True: 2, 1.5: 3, 'x': {(1,): 2}}, skipkeys=True, sort_keys=False))
try:
    print(json.dumps({(1, 2): 3}))
except TypeError as e:
    print(e)
try:
    print(json.dumps({(1, 2): 3, 'b': 1}, skipkeys=True, sort_keys=True))
except TypeError as e:
    print(e)
print(json.dumps({'b': 1, (1, 2): 3, 'a': 2}, skipkeys=True, sort_keys=True))
