# expect: string_length
# A 1000-character prefix on each of 100k lines.
import textwrap
text = "x\n" * 100000
s = textwrap.indent(text, "y" * 1000)
print("ESCAPED", len(s))
