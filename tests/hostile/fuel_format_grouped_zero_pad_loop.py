# expect: fuel
# Zero padding with grouping to a wide field, in a loop: the padded digits
# are found in one step, not one zero and one regrouping at a time (which
# was quadratic in the width: one call at a width of 10^5 took seconds).
while True:
    s = format(5, "0100000,")
print("ESCAPED")
