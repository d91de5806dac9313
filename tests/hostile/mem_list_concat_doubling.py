# expect: memory|collection_length
# a = a + a doubles a list each round: the new list is checked and charged
# before it is built, with no uncounted copy (issue #33: 684 MB).
a = ["x"] * 1000
while True:
    a = a + a
print("ESCAPED")
