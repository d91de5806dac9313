# expect: ok
import re
print(re.match(r"(a|aa)+$", "a" * 60 + "b"))
print(re.fullmatch(r"(a|a?)+", "a" * 10000 + "b"))
