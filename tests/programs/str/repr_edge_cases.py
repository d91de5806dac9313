samples = [
    "", "plain", "it's", 'say "hi"', "both ' and \"", "back\\slash", "tab\tnew\nret\r",
    "\x00\x01\x1f\x7f", "caf\u00e9", "\u65e5\u672c", "\U0001F600", "zero\u200bwidth",
    "\x85\xa0\xad", "bell\a", "\\n literal", "'", '"', "'\"",
]
for s in samples:
    print(repr(s), len(s))
print(samples[:4])
print(str(samples[1]), f"{samples[2]!r}", "%r" % samples[3])
print(repr("a" * 3 + "'"), ascii("caf\u00e9 \U0001F600"))
