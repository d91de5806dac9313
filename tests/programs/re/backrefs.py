import re
print(re.findall(r"(\w)\1", "aabbcd eeff"))
print(re.search(r"\b(\w+) \1\b", "this is is a test").group(1))
print(re.sub(r"\b(\w+)( \1\b)+", r"\1", "the the the cat sat sat"))
print(re.findall(r"(['\"])(.*?)\1", "'a' \"b\" 'c\""))
