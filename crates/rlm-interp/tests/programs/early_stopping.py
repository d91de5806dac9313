# Builtins that stop early or take a sub-range (issue #53): their answers at
# the edges of their ranges and blocks, as CPython gives them.
text = ("ab cd " * 700) + "needle" + (" ef" * 30000) + " needle" + " tail"
print(text.find("needle"), text.rfind("needle"), text.index("needle", 4201))
print(text.find("needle", 4201), text.find("needle", 4201, 4206), text.find("needle", 4201, 4207))
print(text.rfind("ab", 0, 10), text.rfind("ab", -5), text.rindex("cd", 0, 4200))
print(text.count("ab", 0, 1000), text.count("", 5, 10), text.count("", 10, 5), text.count("x", 99999))
print(text.find("", len(text)), text.find("", len(text) + 1), text.rfind(""), text.find("needle", -20))
print(text.startswith("cd", 3), text.startswith(("zz", "ab"), 6), text.endswith("tail", 0, -1))
print(text.endswith(("tai", "ne"), 0, -2), text.startswith("", 5, 2), text.endswith(""))
print("needle" in text, "needles" in text, "" in text, "tail" in text[-3:])
accented = ("café résumé " * 500) + "needle" + (" naïve 漢字" * 4000) + "needle 東京"
i = accented.find("needle")
j = accented.find("needle", i + 1)
print(i, j, accented.rfind("needle"), accented.rfind("漢字", 0, j), accented.count("é", 100, 2000))
print(accented[i:i + 6], accented[j - 3:j], accented.index("東", j), accented[-1], accented[6003])
walk = [k for k in range(0, len(accented), 997)]
print(sum(ord(accented[k]) for k in walk), accented[::-4001])
print(accented.startswith("needle", i), accented.endswith("漢字", 0, j - 1))
positions = []
k = accented.find("é")
while k != -1 and len(positions) < 2000:
    positions.append(k)
    k = accented.find("é", k + 1)
print(len(positions), positions[:3], positions[-3:], sum(positions))
xs = list(range(1000)) + [2.0, "x", None, (1, 2)]
ts = tuple(xs)
print(xs.index(999), xs.index(2), xs.index(2, 3), xs.index("x", 500), ts.index((1, 2)), ts.index(5, -1000, -990))
print(2.0 in xs, (1, 2) in ts, True in xs, "y" in xs, xs.index(True), ts.index(2.0, 3))
try:
    xs.index(5, 10, 20)
except ValueError as e:
    print(e)
try:
    ts.index(5, 10, 20)
except ValueError as e:
    print(e)
it = iter([1, 2, 3, 4, 5])
print(3 in it, list(it))
d = {"a": 1, "b": 2}
print(2 in d.values(), ("a", 1) in d.items(), 3 in d.values(), ("b", 3) in d.items())
import collections
dq = collections.deque(range(600))
print(dq.index(599), 599 in dq, -1 in dq)
for kv in d.items():
    break
print(kv)
big = "  \t" * 200 + "core text é 漢 needle, more" * 50 + " \n" * 300
print(len(big.strip()), big.lstrip()[:9], big.rstrip()[-9:], big.strip(" \t\nc")[:5], len(big.rstrip("\n ")))
print(big.partition("needle")[0][-8:], len(big.rpartition("needle")[2]), big.partition("zz")[1:], big.rpartition("zz")[:2])
print([len(p) for p in big.split("needle", 2)], [len(p) for p in big.rsplit("needle", 3)], big.split("é", 0) == [big])
print(len(big.replace("needle", "N", 3)), big.replace("needle", "N", 0) == big, big.replace("zz", "y") == big, big.replace("", "-", 3)[:8])
print(big.removeprefix("  \t").startswith("  \t"), len(big.removesuffix(" \n")), big.removeprefix("zz") == big)
