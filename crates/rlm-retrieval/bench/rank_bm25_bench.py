"""rank-bm25 (PyPI, BM25Okapi) on the chunk file and queries written by the bm25_bench
example: build time and query latency (get_scores + top-10 selection).
    python3 rank_bm25_bench.py DIR [REPEATS] [MAX_QUERIES]
At 1M chunks one query takes seconds: MAX_QUERIES keeps the run short (the first N queries)."""
import re
import sys
import time

import numpy as np
from rank_bm25 import BM25Okapi

out = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
word = re.compile(r"\w+")
tokenize = lambda s: word.findall(s.lower())
chunks = open(f"{out}/chunks.txt", encoding="utf-8").read().splitlines()
queries = open(f"{out}/queries.txt", encoding="utf-8").read().splitlines()
if len(sys.argv) > 3:
    queries = queries[: int(sys.argv[3])]
t = time.perf_counter()
bm25 = BM25Okapi([tokenize(c) for c in chunks])
build = time.perf_counter() - t
lat = []
for _ in range(repeats):
    for q in queries:
        t = time.perf_counter()
        scores = bm25.get_scores(tokenize(q))
        top = np.argpartition(-scores, 10)[:10]
        top = top[np.argsort(-scores[top])]
        lat.append(time.perf_counter() - t)
lat.sort()
pct = lambda p: lat[round((len(lat) - 1) * p)] * 1000
print(f"rank-bm25 0.2.2 (BM25Okapi) chunks={len(chunks)}: build {build:.2f} s, "
      f"query p50 {pct(0.5):.2f} ms p99 {pct(0.99):.2f} ms ({len(lat)} queries)")
