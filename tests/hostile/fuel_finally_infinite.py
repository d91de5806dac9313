# expect: fuel
# The finally block itself loops forever.
try:
    x = 1 // 0
except ZeroDivisionError:
    pass
finally:
    while True:
        pass
print("ESCAPED")
