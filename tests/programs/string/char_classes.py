import string
def classify(ch):
    if ch in string.ascii_uppercase:
        return "upper"
    if ch in string.ascii_lowercase:
        return "lower"
    if ch in string.digits:
        return "digit"
    if ch in string.punctuation:
        return "punct"
    if ch in string.whitespace:
        return "space"
    return "other"
print([classify(c) for c in "aZ9!\t\u00e9"])
print(sum(c in string.hexdigits for c in "deadBEEFxyz"), all(c in string.octdigits for c in "0755"))
print(string.ascii_lowercase.index("k"), string.ascii_uppercase[::5], string.digits[::-1])
shift = 3
rot = str.maketrans(string.ascii_lowercase, string.ascii_lowercase[shift:] + string.ascii_lowercase[:shift])
print("attack at dawn".translate(rot))
print(len(string.ascii_letters), len(string.punctuation), len(string.whitespace), string.printable[:20])
