# expect: string_length
# An f-string that triples a string every round.
s = 'x'
while True:
    s = f'{s}{s}{s}'
