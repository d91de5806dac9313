# expect: fuel
# A bare except must not catch a limit error either.
try:
    while True:
        pass
except:
    print("ESCAPED")
print("ESCAPED")
