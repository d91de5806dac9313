for s in ["\u00e9", "\u65e5\u672c", "\U0001F600", "caf\u00e9", "e\u0301"]:
    print(f"[{s:>6}] [{s:<6}] [{s:^6}] [{s:*^7}] {len(s)}")
bullet, e_acute, sun, ideo_space = "\u2022", "\u00e9", "\u65e5", "\u3000"
print(f"[{'ab':{bullet}^8}] [{'x':{e_acute}>3}] [{sun:{ideo_space}<3}] [{sun:•^5}]")
print("[{:>5}]".format("\u00fc"), "[%5s]" % "\u00fc", "[%-5s]" % "\u00fc")
rows = [("\u00e9clair", 3), ("tea", 12), ("\u5496\u5561", 7)]
for name, qty in rows:
    print(f"{name:<8}|{qty:>4}")
print("\u00e9".center(5, "-"), "\u00e9".ljust(3, "+"), "\u65e5".rjust(3))
