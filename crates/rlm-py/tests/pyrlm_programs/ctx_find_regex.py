import re
by_regex = ctx.find(r"code is [A-Z]+-\d+", regex=True)
by_flags = ctx.find("beta", flags=re.IGNORECASE)
loose_regex = ctx.find(r"GAMMA \w+", regex=True, case_sensitive=False)
result = repr([by_regex, by_flags, loose_regex])
