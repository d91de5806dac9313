import re
for s in ["a.b", "1+1=2", "(x)", "[a-z]", "hello world", "tab\there", "$5^", "a_b-c", "é"]:
    print(repr(re.escape(s)))
needle = "c++"
print(re.findall(re.escape(needle), "c++ and c++ again"))
