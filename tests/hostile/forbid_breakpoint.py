# expect: forbidden
breakpoint()
print("ESCAPED")
