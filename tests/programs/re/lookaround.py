import re
print(re.findall(r"\w+(?=!)", "hey! you there! ok"))
print(re.findall(r"\b\w+\b(?!\s*=)", "x = 1 y"))
print(re.findall(r"(?<=\$)\d+", "cost $30 or $45, not 50"))
print(re.findall(r"(?<!\$)\b\d+", "cost $30 or 45"))
print(re.sub(r"(?<=\d)(?=(\d{3})+$)", ",", "1234567"))
print(re.findall(r"(?<=a)b", "ab cb ab"), re.search(r"q(?!u)", "quit qat").start())
