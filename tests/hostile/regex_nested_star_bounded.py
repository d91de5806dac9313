# expect: ok
import re
print(re.match(r"(x+x+)+y", "x" * 5000))
print(len(re.findall(r"(\w+\s?)*$", "word " * 2000 + "!")))
