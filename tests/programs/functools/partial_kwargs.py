from functools import partial
def tag(text, name="p", cls=None, sep=""):
    attrs = f' class="{cls}"' if cls else ""
    return f"<{name}{attrs}>{sep}{text}{sep}</{name}>"
h1 = partial(tag, name="h1")
print(h1("Title"), h1("Other", cls="big"))
print(h1("Override", name="h2"))
note = partial(tag, cls="note", sep=" ")
print(note("hi"), note("x", name="span"))
pre = partial(tag, "fixed text")
print(pre(), pre("div"), pre(name="b", cls="c"))
layered = partial(partial(tag, name="em"), cls="x")
print(layered("both"))
split_comma = partial(str.split, sep=",")
print(split_comma("a,b,,c"), partial(str.split, maxsplit=1)("a b c"))
by_len = partial(sorted, key=len, reverse=True)
print(by_len(["aa", "b", "ccc"]))
rnd = partial(round, ndigits=2)
print(rnd(3.14159), list(map(partial(pow, 2), [0, 1, 10])))
