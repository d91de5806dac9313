def documented(a):
    """Return twice a."""
    return 2 * a
print(documented(4))
def outer(n):
    def helper(k):
        return k * n
    return [helper(i) for i in range(4)]
print(outer(3))
def recurse_inner(n):
    def go(k):
        return 0 if k == 0 else k + go(k - 1)
    return go(n)
print(recurse_inner(10))
