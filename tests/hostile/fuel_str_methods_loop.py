# expect: fuel
# Whole-string methods on 50k characters, forever.
s = 'aB' * 25000
while True:
    t = s.upper()
    t = s.lower()
    t = s.swapcase()
    t = s.strip()
    t = s[::-1]
