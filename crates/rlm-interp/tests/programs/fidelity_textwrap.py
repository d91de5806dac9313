# textwrap as CPython's TextWrapper: width errors, hyphens, em-dashes,
# whitespace kept or dropped, long words, max_lines and placeholders.
import textwrap


def show(label, f):
    try:
        print(label, repr(f()))
    except Exception as e:
        print(label, type(e).__name__, e)


for w in [0, -1, -100]:
    show("wrap width %d" % w, lambda: textwrap.wrap("abc def", w))
    show("fill width %d" % w, lambda: textwrap.fill("abc def", w))
show("wrap empty 0", lambda: textwrap.wrap("", 0))
show("fill 2", lambda: textwrap.fill("abc def ghi", 2))
show("fill 3", lambda: textwrap.fill("abc def ghi", 3))
show("fill 4", lambda: textwrap.fill("abc def ghi", 4))
show("wrap 1", lambda: textwrap.wrap("abc def", 1))
show("wrap 5", lambda: textwrap.wrap("  leading and trailing  ", 5))
show("wrap spaces", lambda: textwrap.wrap("     ", 3))
show("wrap empty", lambda: textwrap.wrap("", 5))
show("hyphen", lambda: textwrap.wrap("a well-known self-contained mother-in-law", 10))
show("hyphen 6", lambda: textwrap.wrap("well-known-long-hyphenated-words", 6))
show("hyphen digits", lambda: textwrap.wrap("x 123-456-789 ab-cd 1a-b2", 6))
show("emdash", lambda: textwrap.wrap("Hello there -- you goof-ball, use the -b option!", 12))
show("emdash2", lambda: textwrap.wrap("one--two---three ----four", 5))
show("dashes", lambda: textwrap.wrap("--- ---- -a- a--", 3))
show("long word", lambda: textwrap.wrap("abcdefghijklmnopqrstuvwxyz", 7))
show("long after", lambda: textwrap.wrap("ab abcdefghijklmnop", 7))
show("long hyphen", lambda: textwrap.wrap("supercalifragilistic-expialidocious", 12))
show("long hyphen2", lambda: textwrap.wrap("--------abc", 4))
show("tabs", lambda: textwrap.wrap("a\tb\tc\td  e\nf\rg\x0bh\x0ci", 6))
show("tabs col", lambda: textwrap.wrap("abc\tde\tfghij\tk", 20))
show("nbsp", lambda: textwrap.wrap("a \xa0 b\xa0c  d", 3))
show("unicode", lambda: textwrap.wrap("héllo wörld naïve café–bar élan-vital", 8))
show("indent", lambda: textwrap.wrap("one two three four five six", 10, initial_indent="> ", subsequent_indent="... "))
show("indent big", lambda: textwrap.wrap("one two three", 3, initial_indent="12345"))
show("indent big2", lambda: textwrap.wrap("one two three", 4, subsequent_indent="123456"))
show("max_lines", lambda: textwrap.wrap("one two three four five six seven", 10, max_lines=2))
show("max_lines 1", lambda: textwrap.wrap("one two three four five six seven", 12, max_lines=1))
show("max_lines ph", lambda: textwrap.wrap("one two three four five", 10, max_lines=2, placeholder="..."))
show("max_lines fits", lambda: textwrap.wrap("one two three", 8, max_lines=2))
show("max_lines prev", lambda: textwrap.wrap("aaaa bbbbbbbbbb cc", 10, max_lines=2, placeholder=" [..]"))
show("max_lines big ph", lambda: textwrap.wrap("one two three", 5, max_lines=2, placeholder=" [......]"))
show("max_lines exact", lambda: textwrap.fill("Hello world how are you", 11, max_lines=2))
show("max_lines 0", lambda: textwrap.wrap("a b c", 5, max_lines=0))
show("shorten", lambda: textwrap.shorten("Hello  world!   How are you?", 12))
show("shorten fits", lambda: textwrap.shorten("  Hello \n world  ", 20))
show("shorten ph", lambda: textwrap.shorten("Hello world", 5, placeholder="..."))
show("shorten too large", lambda: textwrap.shorten("Hello world", 3))
show("shorten ph large", lambda: textwrap.shorten("Hello world", 4, placeholder="[.....]"))
show("shorten long word", lambda: textwrap.shorten("Supercalifragilistic word", 12))
show("shorten 0", lambda: textwrap.shorten("abc", 0))
show("huge width", lambda: textwrap.wrap("a b  c " * 5, 10**9))
show("huge width fill", lambda: textwrap.fill("x y", 2**62))
big = "lorem ipsum-dolor sit, amet -- consectetur " * 2000
lines = textwrap.wrap(big, 1)
print("width 1", len(lines), lines[:12], lines[-3:])
lines = textwrap.wrap(big, 37)
print("width 37", len(lines), lines[:3], lines[-1])
print(len(textwrap.fill(big, 80)), textwrap.fill(big, 80)[-90:])
print(textwrap.fill("The quick brown fox jumps over the lazy dog. " * 3, 20))
