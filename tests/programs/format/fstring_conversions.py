vals = ["text", 1, 1.5, None, [1, "x"], {"k": "v"}, "é\n", (1,)]
for v in vals:
    print(f"{v} | {v!s} | {v!r} | {v!a}")
print(f"{'a'!r:>6}|{'a'!s:>6}|")
