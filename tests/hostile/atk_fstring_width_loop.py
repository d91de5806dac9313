# expect: fuel
# An f-string whose width makes a 200 000-character string, again and again:
# each one is dropped at once, so only fuel charged per byte stops the loop.
w = 200000
n = 0
while True:
    n += len(f"{n:>{w}}")
print("ESCAPED", n)
