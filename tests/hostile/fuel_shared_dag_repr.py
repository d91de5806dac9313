# expect: string_length|fuel
# repr of a list DAG whose levels share their child: 2**60 leaves to print.
a = [1]
for _ in range(60):
    a = [a, a]
s = repr(a)
print("ESCAPED", len(s))
