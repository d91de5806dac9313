import re
print(re.split(r"\s*,\s*", "a , b,c ,  d"))
print(re.split(r"(,)", "a,b,c"))
print(re.split(r"\W+", "Words, words, words."))
print(re.split(r"\d", "a1b2c3", maxsplit=2))
print(re.split(r"(\d)(x)?", "a1b2xc"))
print(re.split(r"[.!?]\s*", "Hi. How are you? Fine!"))
print(re.split(r"x*", "axbc"))
