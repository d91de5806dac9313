from collections import Counter
words = context.split()[:100000]
counts = Counter(words)
tagged = Counter([w + "-" + str(i % 997) for i, w in enumerate(words)])
top = tagged.most_common(5)
by_len = sorted(words, key=len, reverse=True)
alpha = sorted(words)
nums = sorted([(i * 7919) % 100003 for i in range(100000)])
print(counts.most_common(3), top, by_len[0], alpha[0], alpha[-1], nums[0], nums[-1])
