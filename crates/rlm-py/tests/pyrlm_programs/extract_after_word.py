result = repr([
    extract_after("code is "),
    extract_after("Project:"),
    extract_after("no such marker"),
    extract_after("alpha", max_len=3),
    extract_after("alpha", max_len=0),
])
