# expect: forbidden
print(open("/etc/passwd").read())
print("ESCAPED")
