# Regex searches read their text in windows or charged blocks (issue #53):
# answers at window edges, with anchors, word boundaries, lookbehind, empty
# matches and non-ASCII text, as CPython gives them.
import re
pad = "x" * 250
for n in [0, 1, 5, 200, 255, 256, 257, 700, 767, 768, 769, 1790, 1791, 1792, 5000, 70000]:
    text = "y" * n + "needle 42 end"
    m = re.search(r"needle \d{1,3}", text)
    w = re.search(r"\bneedle\b", text)
    e = re.search(r"end$", text)
    s = re.search(r"(?<=needle )\d+", text)
    u = re.search(r"needle (\d+)", text)
    print(n, m.span(), w and w.span(), e and e.span(), s and s.group(), u.group(1), u.span(1))
long_word = "a" * 3000 + "needle" + "b" * 3000
print(re.search(r"\bneedle\b", long_word), re.search(r"needle", long_word).start())
print(re.search(r"\bneedle\b", "x" * 3000 + " needle " + "y"), re.search(r"^needle", "needle"))
multi = ("line one\n" * 400) + "needle at start\n" + "tail"
print(re.search(r"^needle", multi), re.search(r"^needle", multi, re.M).span())
print(re.search(r"start$", multi, re.M).span(), re.search(r"tail\Z", multi).span())
accent = ("café résumé naïve " * 200) + "needle é" + " 漢字" * 500 + " needle"
print(re.search(r"needle é", accent).span(), re.search(r"漢字 needle", accent).span())
print([m.span() for m in re.finditer(r"needle", accent)], len(re.findall(r"\w+", accent)))
print(re.search(r"é\b", accent).span(), re.search(r"\bna", accent).span())
print(len(re.findall(r"", "abc" * 300)), re.findall(r"x*", "aaxa"), re.sub(r"(?<=a)", "-", "baab"))
alt = "ab" * 2000 + "abz" + "ab" * 10
print(re.search(r"a[^z]*z|b", alt).span(), re.search(r"b|a[^z]*z", alt).span())
print(len(re.findall(r"a[^z]*z|a", "a" * 3000)), re.search(r"(a|ab)(c|bcd)(d*)", "xabcd" * 300).span())
p = re.compile(r"needle \d+")
t = "y" * 4000 + "needle 7 " + "y" * 4000 + "needle 8"
print(p.search(t, 100).span(), p.search(t, 4010), p.search(t, 4001, 4009), p.search(t, 4001, 4008))
print(p.match(t, 4000).span(), p.match(t, 3999), p.fullmatch(t, 4000, 4008).span())
print(re.match(r"y+", t).span(), re.fullmatch(r"y+needle \d .*", t).span())
print(re.search(r"\d{2,3}", "1" + "a" * 2000 + "12345").span(), re.search(r"(?:ab){3}", "ab" * 1500).span())
print(re.search(r"colou?r", "x" * 1000 + "color").span(), re.search(r"(?i)NEEDLE", "y" * 999 + "needle").span())
it = re.finditer(r"\d+", "a1b22c333" * 1000)
first = next(it)
print(first.group(), next(it).group(), sum(1 for _ in it))
