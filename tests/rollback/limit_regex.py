import re
print(re.search(r'(a*)*\1b', 'a' * 3000))
