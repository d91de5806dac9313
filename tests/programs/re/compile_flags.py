import re
p = re.compile(r"hello", re.IGNORECASE)
print(p.findall("Hello HELLO hello hElLo"))
m = re.compile(r"^\w+$", re.MULTILINE).findall("one\ntwo\nthree")
print(m)
print(re.findall(r"a.b", "a\nb"), re.findall(r"a.b", "a\nb", re.DOTALL), re.findall(r"a.b", "a\nb", flags=re.S))
verbose = re.compile(r"""
    (\d{3})   # area
    [-.\s]?
    (\d{4})   # number
""", re.VERBOSE)
print(verbose.findall("555-1234 and 666 7890"))
print(re.findall(r"^b", "a\nb", re.I | re.M))
p2 = re.compile(r"(\w+)=(\d+)")
print(p2.search("x=1 y=2").groups(), p2.sub(r"\1:\2", "x=1 y=2"), p2.split("x=1;y=2"))
print(p2.pattern, p2.match("q=5").group(2), p2.fullmatch("z=9").group(1))
print([m.group(1) for m in p2.finditer("a=1 b=2")])
