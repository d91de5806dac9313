import re
text = "Dr. Smith arrived at 5 p.m. today. He said: 'Hello!' Then he left? Yes. The end"
sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
for s in sentences:
    print(repr(s))
print(len(sentences), [len(s.split()) for s in sentences])
