# expect: string_length
# A 3000-character prefix on each of 100k lines: 300 MB, past the 256 MiB
# string cap of the default limits (and of the tests' tighter ones).
import textwrap
text = "x\n" * 100000
s = textwrap.indent(text, "y" * 3000)
print("ESCAPED", len(s))
