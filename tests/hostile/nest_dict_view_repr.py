# expect: nesting
# A dict's values view holding a dict whose values view holds ... 50 000
# deep: each view's repr continues the walk (and its depth cap).
v = {}.values()
for _ in range(50000):
    v = {"k": v}.values()
print(repr(v))
print("ESCAPED")
