# Case mappings: the final sigma in title/swapcase/capitalize, titlecase in capitalize and capwords (`ﬁ` to `Fi`, `ß` to `Ss`), identifiers with combining marks (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print("'ΣΑΣ ΟΔΟΣ'.title()", repr('ΣΑΣ ΟΔΟΣ'.title()))
except Exception as e:
    print("'ΣΑΣ ΟΔΟΣ'.title()", type(e).__name__)
try:
    print("'ΣΑΣ ΟΔΟΣ'.swapcase()", repr('ΣΑΣ ΟΔΟΣ'.swapcase()))
except Exception as e:
    print("'ΣΑΣ ΟΔΟΣ'.swapcase()", type(e).__name__)
try:
    print("'ΑΣ'.capitalize()", repr('ΑΣ'.capitalize()))
except Exception as e:
    print("'ΑΣ'.capitalize()", type(e).__name__)
try:
    print("'Σ'.title()", repr('Σ'.title()))
except Exception as e:
    print("'Σ'.title()", type(e).__name__)
try:
    print("'ΑΣ.'.swapcase()", repr('ΑΣ.'.swapcase()))
except Exception as e:
    print("'ΑΣ.'.swapcase()", type(e).__name__)
try:
    print("'ΑΣ Α'.swapcase()", repr('ΑΣ Α'.swapcase()))
except Exception as e:
    print("'ΑΣ Α'.swapcase()", type(e).__name__)
try:
    print("'ΑΣΑ'.title()", repr('ΑΣΑ'.title()))
except Exception as e:
    print("'ΑΣΑ'.title()", type(e).__name__)
try:
    print("'ΑΣ1'.title()", repr('ΑΣ1'.title()))
except Exception as e:
    print("'ΑΣ1'.title()", type(e).__name__)
try:
    print("'αΣ'.swapcase()", repr('αΣ'.swapcase()))
except Exception as e:
    print("'αΣ'.swapcase()", type(e).__name__)
try:
    print("string.capwords('ﬁne ßa')", repr(string.capwords('ﬁne ßa')))
except Exception as e:
    print("string.capwords('ﬁne ßa')", type(e).__name__)
try:
    print("string.capwords('ΑΣ ΣΑΣ')", repr(string.capwords('ΑΣ ΣΑΣ')))
except Exception as e:
    print("string.capwords('ΑΣ ΣΑΣ')", type(e).__name__)
try:
    print("string.capwords('ﬁne-ßa', '-')", repr(string.capwords('ﬁne-ßa', '-')))
except Exception as e:
    print("string.capwords('ﬁne-ßa', '-')", type(e).__name__)
try:
    print("'ﬁne'.capitalize()", repr('ﬁne'.capitalize()))
except Exception as e:
    print("'ﬁne'.capitalize()", type(e).__name__)
try:
    print("'ßa'.capitalize()", repr('ßa'.capitalize()))
except Exception as e:
    print("'ßa'.capitalize()", type(e).__name__)
try:
    print("'ǆ'.capitalize()", repr('ǆ'.capitalize()))
except Exception as e:
    print("'ǆ'.capitalize()", type(e).__name__)
try:
    print("'é'.isidentifier()", repr('é'.isidentifier()))
except Exception as e:
    print("'é'.isidentifier()", type(e).__name__)
try:
    print("'á'.isidentifier()", repr('á'.isidentifier()))
except Exception as e:
    print("'á'.isidentifier()", type(e).__name__)
try:
    print("'_1'.isidentifier()", repr('_1'.isidentifier()))
except Exception as e:
    print("'_1'.isidentifier()", type(e).__name__)
try:
    print("'́a'.isidentifier()", repr('́a'.isidentifier()))
except Exception as e:
    print("'́a'.isidentifier()", type(e).__name__)
try:
    print("'1a'.isidentifier()", repr('1a'.isidentifier()))
except Exception as e:
    print("'1a'.isidentifier()", type(e).__name__)
try:
    print("'ǅungla'.islower()", repr('ǅungla'.islower()))
except Exception as e:
    print("'ǅungla'.islower()", type(e).__name__)
try:
    print("'ǅ'.isupper()", repr('ǅ'.isupper()))
except Exception as e:
    print("'ǅ'.isupper()", type(e).__name__)
try:
    print("'ǅA'.isupper()", repr('ǅA'.isupper()))
except Exception as e:
    print("'ǅA'.isupper()", type(e).__name__)
try:
    print("'aǅ'.islower()", repr('aǅ'.islower()))
except Exception as e:
    print("'aǅ'.islower()", type(e).__name__)
try:
    print("'Ⅷ'.isupper()", repr('Ⅷ'.isupper()))
except Exception as e:
    print("'Ⅷ'.isupper()", type(e).__name__)
try:
    print("'ﬁne'.casefold()", repr('ﬁne'.casefold()))
except Exception as e:
    print("'ﬁne'.casefold()", type(e).__name__)
try:
    print("'ŉ'.casefold()", repr('ŉ'.casefold()))
except Exception as e:
    print("'ŉ'.casefold()", type(e).__name__)
try:
    print("'ΣΑΣ ΟΔΟΣ'.casefold()", repr('ΣΑΣ ΟΔΟΣ'.casefold()))
except Exception as e:
    print("'ΣΑΣ ΟΔΟΣ'.casefold()", type(e).__name__)
try:
    print("'Straße µ ſ'.casefold()", repr('Straße µ ſ'.casefold()))
except Exception as e:
    print("'Straße µ ſ'.casefold()", type(e).__name__)
try:
    print("'İ'.casefold()", repr('İ'.casefold()))
except Exception as e:
    print("'İ'.casefold()", type(e).__name__)
try:
    print("'ﬀ ǰ ΐ'.casefold()", repr('ﬀ ǰ ΐ'.casefold()))
except Exception as e:
    print("'ﬀ ǰ ΐ'.casefold()", type(e).__name__)
try:
    print("'ABC'.casefold()", repr('ABC'.casefold()))
except Exception as e:
    print("'ABC'.casefold()", type(e).__name__)
