# The str methods a call site runs without the general path's lookups
# (`lower`, `upper`, `strip`, `lstrip`, `rstrip`, `split`) give what the
# general path gives, and every other argument shape still goes there.
lines = ["  Hello World  ", "", "MiXeD case \u00c9T\u00c9", "a,b,,c", "\t tabs\tand  spaces \n",
         "x" * 40 + " Long Line OF Text " + "y" * 40]
for s in lines:
    print(repr(s.lower()), repr(s.upper()))
    print(repr(s.strip()), repr(s.lstrip()), repr(s.rstrip()))
    print(s.split(), s.split(","), s.strip("xy "), s.lstrip(" H"), s.rstrip("y "))
print("a b c".split(None), "a b c".split(" ", 1), "a-b-c".split(sep="-"))
print("  x ".strip(None))
for call in [lambda: "x".lower(1), lambda: "x".split(1), lambda: "x".strip(1),
             lambda: "x".upper(None), lambda: "x".split(",", 1, 2), lambda: "x".lower(key=1)]:
    try:
        call()
    except TypeError as e:
        print("TypeError", e)
