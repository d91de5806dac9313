# expect: string_length
# A limit error is not a MemoryError that the program may catch.
try:
    s = "a" * 10**10
except MemoryError:
    print("ESCAPED")
except Exception:
    print("ESCAPED")
print("ESCAPED")
