# expect: fuel
# A limit error must not be catchable, even by BaseException.
try:
    while True:
        pass
except BaseException:
    print("ESCAPED")
print("ESCAPED")
