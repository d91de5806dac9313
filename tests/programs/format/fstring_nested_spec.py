width = 10
prec = 3
val = 2.718281828
print(f"[{val:{width}.{prec}f}]")
print(f"[{val:>{width}}] [{'x':{'*'}^{width}}]")
for w in (4, 6, 8):
    print(f"|{w:>{w}}|")
fmt = ".1f"
print(f"{val:{fmt}}")
align = "<"
print(f"[{'left':{align}{width}}]")
print(f"{'{'}{val:.1f}{'}'}")
