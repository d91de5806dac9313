findings = []
count = 0
name = 'alpha'
seen = set()
import collections
by_word = collections.defaultdict(list)
tally = collections.Counter()
