import json, math
from collections import Counter, defaultdict, OrderedDict, deque
import itertools, functools, string, textwrap
data = {"name": "Ann", "tags": ["a", "b"], "n": 1.5, "ok": True, "none": None, "uni": "é", "nested": {"x": [1, {"y": 2}]}}
print(json.dumps(data))
print(json.dumps(data, indent=2))
print(json.dumps(data, ensure_ascii=False, sort_keys=True))
print(json.dumps([1, 2], separators=(",", ":")), json.dumps("q\"uote\n"), json.dumps({1: 2}), json.dumps([]), json.dumps({}, indent=2))
back = json.loads('{"a": [1, 2.5, true, null, "x\\u00e9"], "b": {"c": -1e3}}')
print(back, type(back["b"]["c"]))
try:
    json.loads("{bad json}")
except json.JSONDecodeError as e:
    print("JSONDecodeError:", e)
try:
    json.loads("")
except ValueError as e:
    print("ValueError:", e)
print(math.sqrt(16), math.floor(2.7), math.ceil(2.1), math.pi, math.e, math.log(100, 10), math.log2(8), math.log10(1000), math.exp(0))
print(math.gcd(12, 18), math.factorial(10), math.comb(5, 2), math.perm(5, 2), math.isclose(0.1 + 0.2, 0.3), math.inf, math.isnan(math.nan), math.fabs(-3), math.prod([1, 2, 3, 4]), math.hypot(3, 4))
try:
    math.sqrt(-1)
except ValueError as e:
    print("ValueError:", e)
c = Counter("abracadabra")
print(c, c.most_common(2), c["a"], c["z"], sorted(c.elements())[:4], sum(c.values()))
c.update("aaz"); print(c.most_common(1), Counter(a=1) + Counter(a=2, b=1), Counter([1, 1, 2]))
words = Counter("the cat the dog the end".split())
print(words.most_common(), len(words), list(words.keys()))
dd = defaultdict(list)
for k, v in [("a", 1), ("b", 2), ("a", 3)]:
    dd[k].append(v)
print(dict(dd), dd["a"], dd["missing"], len(dd))
di = defaultdict(int)
for ch in "hello":
    di[ch] += 1
print(sorted(di.items()), di)
od = OrderedDict([("x", 1), ("y", 2)])
od["z"] = 3; od.move_to_end("x")
print(od, list(od.keys()))
dq = deque([1, 2, 3])
dq.append(4); dq.appendleft(0); dq.rotate(1)
print(dq, dq.popleft(), dq.pop(), len(dq), list(dq))
print(list(itertools.chain([1, 2], "ab")), list(itertools.islice(itertools.count(5, 2), 4)), list(itertools.combinations("abc", 2)))
print(list(itertools.permutations([1, 2, 3], 2)), list(itertools.product("ab", repeat=2)), list(itertools.accumulate([1, 2, 3, 4])))
print([(k, list(g)) for k, g in itertools.groupby("aabbbc")], list(itertools.zip_longest("ab", "xyz", fillvalue="-")))
print(list(itertools.chain.from_iterable([[1], [2, 3]])) if hasattr(itertools.chain, "from_iterable") else [1, 2, 3])
print(functools.reduce(lambda a, b: a * b, [1, 2, 3, 4]), functools.reduce(lambda a, b: a + b, [], 0))
add5 = functools.partial(lambda a, b: a + b, 5)
print(add5(3))
print(string.ascii_lowercase, string.digits, string.punctuation, string.ascii_uppercase[:5])
long = "The quick brown fox jumps over the lazy dog and keeps running far away from here"
print(textwrap.wrap(long, 20))
print(textwrap.fill(long, 30))
print(textwrap.shorten(long, 40), textwrap.dedent("    a\n      b\n    c"))
