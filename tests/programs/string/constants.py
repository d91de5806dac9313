import string
print(string.ascii_letters)
print(string.ascii_lowercase, string.ascii_uppercase)
print(string.digits, string.hexdigits, string.octdigits)
print(string.punctuation)
print(repr(string.whitespace))
print(len(string.printable), string.capwords("hello   big world"))
print([c for c in "a1!B" if c in string.punctuation or c in string.digits])
print("".join(ch for ch in "Hi, there!" if ch not in string.punctuation))
