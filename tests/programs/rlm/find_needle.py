haystack = "\n".join(f"record {i}: value={i * 7 % 101}" for i in range(200))
needle = "value=42"
pos = haystack.find(needle)
print(pos, haystack.count(needle))
line_start = haystack.rfind("\n", 0, pos) + 1
line_end = haystack.find("\n", pos)
print(haystack[line_start:line_end])
window = haystack[max(0, pos - 30):pos + 30]
print(repr(window))
hits = [i for i, line in enumerate(haystack.splitlines()) if line.endswith("=0")]
print(hits)
