import re
for pat in ["(", "[a-", "a**", "(?P<n>x)(?P<n>y)", "\\", "(?<=a+)b"]:
    try:
        re.compile(pat)
        print("compiled", pat)
    except re.error as e:
        print("re.error", e)
try:
    re.search(r"(a)", "a").group(5)
except IndexError as e:
    print(type(e).__name__, e)
try:
    re.sub(r"(a)", r"\2", "a")
except re.error as e:
    print("re.error", e)
