# expect: regex
import re
print(re.search(r"((((a{100}){100}){100}){100})", "aaa"))
print("ESCAPED")
