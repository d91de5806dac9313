hits = ctx.find("code is")
first = [(s, e, t) for s, e, t in hits]
some = ctx.find("alpha", max_matches=2)
none = ctx.find("")
zero = ctx.find("alpha", max_matches=0)
result = repr([first, some, none, zero, isinstance(hits[0], tuple)])
