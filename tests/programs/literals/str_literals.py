print("a" "b" 'c')
print("""triple
quoted""")
print('''single
triple''')
print(r"raw\n\t")
print("\N{GREEK SMALL LETTER ALPHA}", "\u00e9", "\x41")
print(len("\U0001F600"), len("😀"))
print("line1\nline2")
print("tab\tsep")
s = "multi" \
    "line"
print(s)
