import textwrap
block = """
    def f():
        return 1
    # end
"""
print(repr(textwrap.dedent(block)))
print(textwrap.indent("line1\nline2\n\nline4", "> "))
print(textwrap.indent("a\nb", "+", lambda line: line.startswith("b")))
print(repr(textwrap.dedent("  x\n    y\n")))
