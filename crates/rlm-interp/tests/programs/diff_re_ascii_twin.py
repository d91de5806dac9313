# A pattern with large Unicode classes resolves an ASCII match's groups with
# its ASCII twin: the groups must be the Unicode pattern's, also next to
# non-ASCII text (a `\b` beside `é`), with `\s` holding `\x1c-\x1f`, under
# IGNORECASE (the Kelvin sign and the long s fold to ASCII letters), and
# with the match itself non-ASCII (the engine's own groups then).
import re

texts = [
    "Date: Feb 16, 2023 || User: 42 || Instance: hello there || Label: spam",
    "alpha beta_gamma 123 delta",
    "café au lait: word boundaries beside é",
    "naïve résumé über straße",
    "tab\there\x1cfile\x1dgroup\x1erecord\x1funit sep",
    "\u212aelvin and \u017fong s and plain Kelvin",
    "x" * 50 + " end_word",
    "mixed: abc\u00e9def ghi",
]
patterns = [
    (r"Date: ([^|]+) \|{2} User: (\d+) \|{2} Instance: ([^|]+) \|{2} Label: (\w+)", 0),
    (r"(\w+)\s+(\w+)", 0),
    (r"(\w+)\b", 0),
    (r"\b(\w)(\w*)\b", 0),
    (r"(\S+)\s(\S+)", 0),
    (r"(\w+)(\W+)", 0),
    (r"(k\w*)", re.IGNORECASE),
    (r"(s\w*)", re.I),
    (r"(\w+) (\w+)$", 0),
    (r"^(\w+)", re.M),
    (r"(\w+)(?=\s)", 0),
    (r"(?P<head>\w{2})(?P<tail>\w*)", 0),
    (r"([a-z]+)(\d*)(\w?)", re.I),
]
for pat, flags in patterns:
    for t in texts:
        try:
            found = re.findall(pat, t, flags)
            first = re.search(pat, t, flags)
            spans = [m.span(1) for m in re.finditer(pat, t, flags)][:5]
            print(repr(pat), int(flags), repr(t[:24]), found[:6], first and first.groups(), spans)
        except Exception as e:
            print(repr(pat), type(e).__name__, e)
