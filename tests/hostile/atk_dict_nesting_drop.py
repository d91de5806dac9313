# expect: memory|fuel
# {"k": {"k": {...}}} as deep as the budgets allow, then dropped when the run
# ends: the drop must not recurse natively per level.
d = {}
while True:
    d = {"k": d}
print("ESCAPED")
