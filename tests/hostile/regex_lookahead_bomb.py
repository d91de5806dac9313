# expect: regex|ok
# Lookahead wrapping a catastrophic group: a step-limited error or a linear answer, never a hang.
import re
print(re.match(r"(?=(a+)+$)", "a" * 60 + "b"))
