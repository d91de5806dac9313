# expect: fuel
# Counter.most_common sorts every count, each round.
from collections import Counter
c = Counter(range(10000))
while True:
    top = c.most_common()
print("ESCAPED")
