# json.dumps: a shared empty list is not a circular reference; float keys are
# written as float values are (found by the differential fuzzer, issue #53).
import json

empty = []
print(json.dumps([empty] * 3))
print(json.dumps([[123] * 0] * 8, separators=(',', ':')))
print(json.dumps({'a': empty, 'b': empty, 'c': [empty, {}]}))
d = {}
print(json.dumps([d, d, [d]]))
print(json.dumps({float('inf'): 1, float('-inf'): 2, 1.5: 3, -0.0: 4}))
print(json.dumps({float('nan'): None}))
print(json.dumps({2.0: 'x', 1e16: 'y'}, sort_keys=True))
try:
    json.dumps({float('inf'): 1}, allow_nan=False)
except ValueError as e:
    print('ValueError')
x = []
x.append(x)
try:
    json.dumps(x)
except ValueError as e:
    print(e)
for v in [float('nan'), [1.5, float('-inf')], 2.5]:
    try:
        print(json.dumps(v, allow_nan=False))
    except ValueError as e:
        print(e)
print(json.dumps(float('inf'), allow_nan=True))
