# expect: regex
# Compiles to an enormous program: must be refused by the size limit.
import re
p = re.compile(r"(?:a{1000}){1000}")
print("ESCAPED", p.pattern[:5])
