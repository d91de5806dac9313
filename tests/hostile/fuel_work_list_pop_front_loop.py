# expect: fuel
# pop(0) shifts every item left: charged per item shifted.
lst = list(range(19_000))
while True:
    lst.append(lst.pop(0))
print("ESCAPED")
