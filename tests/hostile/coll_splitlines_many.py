# expect: collection_length
# splitlines of ever more newlines.
s = '\n'
while True:
    x = s.splitlines()
    s = s + s
