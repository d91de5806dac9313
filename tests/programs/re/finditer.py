import re
text = "cat bat rat hat"
for m in re.finditer(r"(\w)at", text):
    print(m.group(), m.group(1), m.start(), m.end(), m.span(1))
print([m.start() for m in re.finditer("a", "banana")])
print([m.group() for m in re.finditer(r"\d+", "no digits")])
print(len(list(re.finditer(r"\s", "a b c"))))
