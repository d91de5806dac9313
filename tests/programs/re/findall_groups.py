import re
text = "a1 b22 c333 d4444"
print(re.findall(r"\d+", text))
print(re.findall(r"([a-z])(\d+)", text))
print(re.findall(r"[a-z](\d+)", text))
print(re.findall(r"(?:[a-z])(\d)", text))
print(re.findall(r"x", text), re.findall(r"", "ab"))
print(re.findall(r"(\d)(\d)?", "1 23"))
print(re.findall(r"\b\w", "hello big world"))
