# expect: fuel
# The simplest infinite loop: only fuel can stop it.
while True:
    pass
print("ESCAPED")
