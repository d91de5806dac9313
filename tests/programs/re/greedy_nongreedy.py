import re
html = "<b>bold</b> and <i>italic</i>"
print(re.findall(r"<.+>", html))
print(re.findall(r"<.+?>", html))
print(re.findall(r"a{2,3}", "aaaaaaa"), re.findall(r"a{2,3}?", "aaaaaaa"))
print(re.match(r"a*?b", "aaab").group(), re.match(r"(a+?)(a*)", "aaaa").groups())
print(re.findall(r'"(.*?)"', 'say "hi" and "bye"'))
