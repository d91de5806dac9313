s = "hello"
print(s.upper())
s.reverse()
