# expect: memory|collection_length
# Splitting on every character: one empty string per character. The parts
# (and the list holding them) must be charged as they are made, not after
# all of them exist (issue #33: 2.7 GB before the error).
s = "x" * 300000
while True:
    parts = s.split("x")
    s = s + s
print("ESCAPED")
