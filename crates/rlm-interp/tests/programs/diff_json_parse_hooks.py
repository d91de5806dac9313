# `json.loads`' `parse_int`, `parse_float` and `parse_constant` hooks: called
# with the number's (or the constant's) text, in the document's order.
import json

print(json.loads("1", parse_int=float), type(json.loads("1", parse_int=float)))
print(json.loads("[1, -2.5e3, 0, 7E-1, -0]", parse_int=str, parse_float=str))
print(json.loads('{"a": 12345678901234567890123}', parse_int=len))
print(json.loads("[NaN, Infinity, -Infinity, 1.5]", parse_constant=lambda s: "<" + s + ">"))
print(json.loads("[1, 2.0]", parse_int=None, parse_float=None))
seen = []
def note(s):
    seen.append(s)
    return len(seen)
print(json.loads('{"x": [1, 2.5, {"y": 3}], "z": -4}', parse_int=note, parse_float=note), seen)
def boom(s):
    raise ValueError("no " + s)
try:
    json.loads("[1, 2]", parse_int=boom)
except ValueError as e:
    print("ValueError", e)
