# expect: fuel
# An empty sequence times a huge count is empty: the work must follow the
# result (no items), not the count. `[] * n` and `() * n` looped n times
# per operation and stalled the interpreter without paying fuel (found by
# the interp_programs fuzz target).
n = 116000348
while True:
    a = [] * n
    b = () * n
    c = "" * n
