# expect: fuel
# "".join(lst) walks every piece and copies its bytes (issue #33).
lst = ["abcdefghij"] * 19_000
while True:
    s = "".join(lst)
print("ESCAPED")
