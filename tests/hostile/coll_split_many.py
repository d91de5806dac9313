# expect: collection_length|fuel
# One-character fields, twice as many every round.
s = "a,"
while True:
    x = s.split(",")
    s = s + s
print("ESCAPED", len(x))
