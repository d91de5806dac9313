# expect: fuel
# textwrap.fill over 100 000 characters of words, repeated.
import textwrap
s = "word " * 20000
while True:
    t = textwrap.fill(s, 40)
print("ESCAPED")
