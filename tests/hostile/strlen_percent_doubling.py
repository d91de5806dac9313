# expect: string_length
# %-formatting that doubles a string every round.
s = 'x' * 100000
while True:
    s = '%s%s' % (s, s)
