try:
    assert 1 == 2, "math is broken"
except AssertionError as e:
    print(type(e).__name__, e)
try:
    assert False
except AssertionError as e:
    print(type(e).__name__, repr(str(e)))
assert True, "never shown"
x = [1]
try:
    assert len(x) > 1, f"len was {len(x)}"
except AssertionError as e:
    print(e)
