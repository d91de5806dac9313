# `any(<genexpr>)` and `all(<genexpr>)` read the generator up to the item that
# decides and never past it: side effects in order, exceptions from the body
# (StopIteration becomes RuntimeError, PEP 479), shadowed and rebound names,
# nesting, and consumers that are not the builtins.
seen = []
def note(x, result):
    seen.append(x)
    return result

print(any(note(x, x > 2) for x in range(6)), seen)
seen.clear()
print(all(note(x, x < 3) for x in range(6)), seen)
seen.clear()
print(any(note(x, False) for x in range(4)), all(note(x, True) for x in range(3)), seen)
print(any(x for x in []), all(x for x in []))
print(any(v for v in [0, "", None, [], {}, 0.0]), any(v for v in [0, "", [0]]))
print(all(v for v in [1, "a", [0], (0,), 0.5]), all(v for v in [1, "a", ()]))
print([any(c.isdigit() for c in w) for w in ["abc", "a1", "", "9"]])
print(any(any(y > x for y in range(x)) for x in range(5)))
print(all(any(ch == "a" for ch in w) for w in ["ab", "ca", "b"]))

def first_over(xs, limit):
    return any(x > limit for x in xs)

print(first_over([1, 5, 9], 4), first_over([1, 2], 4))

def bad(x):
    if x == 2:
        raise ValueError("two")
    return False

try:
    any(bad(x) for x in range(5))
except ValueError as e:
    print("ValueError", e)

it = iter([1])
try:
    print(any(next(it) > 5 for _ in range(3)))
except StopIteration:
    print("StopIteration escaped")
except RuntimeError as e:
    print("RuntimeError", e)

def nexts():
    it = iter([])
    return all(next(it) for _ in range(2))

for attempt in range(2):
    try:
        nexts()
    except RuntimeError as e:
        print("RuntimeError", attempt, e)

gen = (x > 1 for x in range(4))
print(any(gen), list(gen))
print(any((x > 1 for x in range(4))), sum(x for x in range(4) if x > 1))
print(any([x > 1 for x in range(4)]), any(iter([0, 0, 3])))

def any(xs):
    return "shadowed " + str(list(xs))

print(any(x * 2 for x in range(3)))
del any
print(any(x * 2 for x in range(3)))

all_ = all
print(all_(x < 5 for x in range(3)))

total = 0
for row in [[1, 2], [3, -1], [0]]:
    if all(v > 0 for v in row):
        total += 1
print(total)
