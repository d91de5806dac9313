checks = [lambda: f"{'s':d}", lambda: f"{1.5:x}", lambda: f"{1:s}", lambda: f"{'a':=5}", lambda: f"{1:,s}", lambda: f"{[1]:>5}", lambda: f"{None:d}", lambda: f"{'x':+}"]
for c in checks:
    try:
        print(c())
    except Exception as e:
        print(type(e).__name__, e)
