import json
s = {"greet": "héllo wörld", "jp": "日本", "emoji": "😀", "ctrl": "\x01\x1f"}
print(json.dumps(s))
print(json.dumps(s, ensure_ascii=False))
print(json.loads('"\\u00e9\\ud83d\\ude00"'), json.loads('"caf\\u00e9"'))
print(json.loads(json.dumps(s)) == s)
