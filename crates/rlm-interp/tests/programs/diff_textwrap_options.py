# textwrap honours TextWrapper's options as CPython does (issue #76): expand_tabs, tabsize, replace_whitespace, fix_sentence_endings, break_long_words, drop_whitespace, break_on_hyphens (expand_tabs=False used to be ignored).
import textwrap
texts = ["The quick brown fox. It jumped! Over \"the\" lazy dog? Yes. OK",
         "a\tb\tc  dd\teeeeee\tf\nline two\r\nthree",
         "super-long-hyphenated-word-that-goes-on and-more-words --- em-dash--here",
         "   leading spaces and trailing   ", "x" * 30 + " y " + "z" * 12,
         "Mr. Smith went. to Washington.  Again. 'quoted.' \"Q!\" end"]
opts = [{}, {'expand_tabs': False}, {'tabsize': 4}, {'tabsize': 0}, {'replace_whitespace': False},
        {'expand_tabs': False, 'replace_whitespace': False}, {'fix_sentence_endings': True},
        {'break_long_words': False}, {'drop_whitespace': False}, {'break_on_hyphens': False},
        {'break_long_words': False, 'break_on_hyphens': False}, {'max_lines': 2, 'drop_whitespace': False},
        {'initial_indent': '> ', 'subsequent_indent': '  ', 'break_long_words': False},
        {'fix_sentence_endings': True, 'drop_whitespace': False, 'max_lines': 3}]
for t in texts:
    for w in (5, 8, 13, 25):
        for o in opts:
            try:
                print(w, o, textwrap.wrap(t, w, **o))
            except Exception as e:
                print(w, o, type(e).__name__, e)
    print(repr(textwrap.fill(t, 10, fix_sentence_endings=True)))
    print(repr(textwrap.shorten(t, 20, break_long_words=False)))
