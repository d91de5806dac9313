# expect: fuel
# list.count/index/remove compare with every element: each scan must cost
# fuel in proportion to the list, not one step.
l = list(range(15000))
t = tuple(l)
n = 0
while True:
    n += l.count(-1) + t.count(-1)
    if -1 not in l:
        n += l.index(14999) + t.index(14999)
