s = "hello"
print(s[0], s[-1], s[4], s[-5])
print(len(s), len(""), len("日本語"))
u = "日本語テキスト"
print(u[0], u[-1], u[2:4], u[::-1])
for i, ch in enumerate("abc"):
    print(i, ch)
print(list("xyz"), "x" * 3, 3 * "ab", "ab" * 0, "ab" * -1)
print("a" + "b", "abc"[1:])
