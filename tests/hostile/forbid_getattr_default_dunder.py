# expect: forbidden
# A default must not turn a forbidden lookup into a silent None.
x = getattr(1, "__class__", None)
print("ESCAPED", x)
