import re
print(re.findall(r"\w+", "café naïve 東京 test_1"))
print(re.findall(r"\d", "٣4５"), re.findall(r"[à-ÿ]", "àéîõü"))
print(re.sub(r"é", "e", "été"), len(re.findall(r".", "日本語")))
print(re.search(r"語", "日本語").span())
print(re.findall(r"(?i)straße", "STRASSE Straße"), re.findall(r"(?i)é", "É"))
