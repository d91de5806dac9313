def collect(*args, **kwargs):
    return args, kwargs
print(collect())
print(collect(1, 2, x=3))
print(collect(*"ab", *[1], **{"k": 1}, m=2))
def total(*nums):
    return sum(nums)
print(total(), total(1, 2, 3), total(*range(5)))
def show(**opts):
    for k, v in opts.items():
        print(k, "=", v)
show(b=2, a=1)
