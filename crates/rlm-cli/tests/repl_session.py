# A REPL session (read by tests/commands.rs): fed to `rlm repl` and to
# `python3 -i`, whose stdout must match.
x = 20
x + 1
'text'
None
print('printed')
for i in range(3):
    print(i)
    i * 10

def double(n):
    n
    return n * 2

double(x)
d = {'a': [1,
  2]}
d
s = """a

b"""
s
t = (1,

  2)
t
1; 2
try:
    1/0
except ZeroDivisionError:
    'caught'

[k for k in d]
