# expect: forbidden
exit(0)
print("ESCAPED")
