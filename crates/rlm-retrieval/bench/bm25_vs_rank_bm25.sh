#!/usr/bin/env bash
# BM25 index build time and query latency, rlm-retrieval (tantivy) beside PyPI rank-bm25, on the
# same chunks and queries in one run, at the given sizes (default 10000 and 1000000 chunks).
#   crates/rlm-retrieval/bench/bm25_vs_rank_bm25.sh ESSAYS.txt [SIZES...]
# ESSAYS.txt from examples/data/fetch_pg_essays.sh; needs `pip install rank-bm25==0.2.2 numpy`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
essays=${1:?usage: $0 ESSAYS.txt [SIZES...]}; shift
[ $# -eq 0 ] && set -- 10000 1000000
cd "$here/../../.."
cargo build -q --release -p rlm-retrieval --example bm25_bench
for n in "$@"; do
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bm25-$n.XXXX")
  target/release/examples/bm25_bench --essays "$essays" --chunks "$n" --chunk-chars 200 --out "$dir"
  # rank-bm25 scores every chunk in Python per query: at 1M chunks, 16 queries once.
  if [ "$n" -ge 1000000 ]; then python3 "$here/rank_bm25_bench.py" "$dir" 1 16; else python3 "$here/rank_bm25_bench.py" "$dir"; fi
  rm -rf "$dir"
done
