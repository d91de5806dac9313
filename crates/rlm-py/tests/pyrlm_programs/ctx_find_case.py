loose = ctx.find("ALPHA", case_sensitive=False)
strict = ctx.find("ALPHA")
result = repr([loose, strict])
