import re
from collections import Counter
words = re.findall(r"\w+", context.lower())
print(len(words), len(set(words)))
c = Counter(words)
print(c.most_common(4))
print(sorted(w for w in set(words) if len(w) > 11))
print(sum(1 for ch in context if ch.isupper()), sum(1 for ch in context if not ch.isascii()))
