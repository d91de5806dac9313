samples = ["\u00a0", "\u00ad", "\u200b", "\u200d", "\u2028", "\u3000", "\ufeff", "\ue000", "\U000f0000", "\u0378",
           "\u0600", "\u061c", "\u180e", "\U0001f600", "\u0301", "e\u0301", "\u2060", "\ufff9", "\U000e0001", "\u1680",
           "\u2007", "\u202f", "\u205f", "\x85", "\x7f", "\U0010ffff", "\u0590", "\U0001d173", "\u00b5", "ℌ"]
for s in samples:
    print(repr(s), s.isprintable(), ascii(s), len(repr(s)))
print(repr("".join(samples)))
print(["tab\there", "nul\x00", "bell\x07", "mixed 'q' \"d\"", "é\u0301"])
