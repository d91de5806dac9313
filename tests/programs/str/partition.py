s = "key=value=more"
print(s.partition("="), s.rpartition("="))
print(s.partition(":"), s.rpartition(":"))
print("".partition("x"), "abc".partition("abc"))
head, sep, tail = "user@example.com".partition("@")
print(head, sep, tail)
try:
    s.partition("")
except ValueError as e:
    print(type(e).__name__, e)
