# expect: string_length
# str.translate mapping one character to 1000, repeatedly.
s = 'a' * 1000
t = {ord('a'): 'b' * 1000}
while True:
    s = s.translate(t)
