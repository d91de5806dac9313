name = "Ann"
n = 3
print(f"hello {name}, you have {n} items")
print(f"{n + 1} {n * 2} {name.upper()} {len(name)}")
print(f"{'nested quotes'} {name!r} {name!s} {'é'!a}")
print(f"{{braces}} {{{n}}}")
print(f"{[1, 2]} {dict(a=1)} {(1,)} {None} {True}")
print(f"{n if n > 2 else 0}", f"{'yes' if name else 'no'}")
items = ["a", "b"]
print(f"{', '.join(items)} and {items[0]}")
print(f"multi {n}" f" part {name}")
