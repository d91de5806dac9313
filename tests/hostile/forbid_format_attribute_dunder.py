# expect: forbidden
# str.format field names can reach attributes: the dunder rule applies there too.
s = "{0.__class__}".format(1)
print("ESCAPED", s)
