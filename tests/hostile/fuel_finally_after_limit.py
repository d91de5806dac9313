# expect: fuel
# After a limit error no more user code runs: not even a finally block.
try:
    while True:
        pass
finally:
    print("ESCAPED")
