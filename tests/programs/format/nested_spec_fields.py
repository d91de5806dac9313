# Nested replacement fields in a str.format spec continue the automatic numbering.
print(repr("{:{}}".format("x", 10)))
print(repr("{:>{w}.{p}f}".format(3.14159, w=10, p=2)))
print(repr("{0:{1}}|{2}".format("a", 5, "b")))
print(repr("{:{}}{}".format("a", 3, "z")))
