# expect: collection_length|fuel
# splitlines of ever more newlines.
s = '\n'
while True:
    x = s.splitlines()
    s = s + s
