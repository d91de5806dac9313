# expect: fuel|memory
# An ever longer chain of exceptions (`raise ... from previous`), kept alive.
# When the run ends the chain is dropped: a recursive drop of a million links
# overflows a native stack.
prev = None
while True:
    try:
        raise ValueError("link") from prev
    except ValueError as err:
        prev = err
print("ESCAPED")
