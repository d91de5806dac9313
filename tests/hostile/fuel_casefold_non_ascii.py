# expect: fuel
# casefold and capitalize of a large non-ASCII text in a loop: each character
# is mapped through a table, so the charge reads the text at a per-character
# rate before the work (at the receiver's rate alone the loop ran 13x the
# dispatch loop's time a fuel unit).
X = ('é ß Σ ab\n' * 20000)
while True:
    y = X.casefold()
    z = X.capitalize()
