# expect: collection_length|fuel|memory
# textwrap.wrap with width 1: one line per word, past the collection cap.
import textwrap
s = 'a ' * 150000
print(len(textwrap.wrap(s, width=1)))
