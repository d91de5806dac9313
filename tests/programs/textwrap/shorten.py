import textwrap
s = "Hello world, this is a fairly long sentence for testing."
print(textwrap.shorten(s, width=20))
print(textwrap.shorten(s, width=30, placeholder="..."))
print(textwrap.shorten("short text", width=50))
print(textwrap.shorten("  lots   of   spaces  here ", width=100))
print(textwrap.shorten(s, 12, placeholder=" [+]"))
