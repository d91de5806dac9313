#!/usr/bin/env bash
# Checks BENCHMARKS.md and its history (issue #56): the table stays under 400 lines, every row of it
# names a date in its "measured" cell and links a history file that exists; with a git revision of
# the old one-file log (e.g. bccb745), also that the history files, concatenated in the order of
# docs/benchmarks/README.md, are that log byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
lines=$(wc -l < BENCHMARKS.md)
if [ "$lines" -ge 400 ]; then echo "BENCHMARKS.md has $lines lines (limit 400)"; fail=1; fi
# Table rows: lines starting with "| " that are neither a header nor a separator.
while IFS= read -r row; do
  measured=$(awk -F' \\| ' '{print $(NF-1)}' <<<"$row")
  if ! grep -Eq '20[0-9]{2}-[0-9]{2}-[0-9]{2}|to be measured' <<<"$measured"; then
    echo "row without a date: ${row:0:100}"; fail=1
  fi
  link=$(grep -o '(docs/benchmarks/[^)]*)' <<<"$row" | tail -1 | tr -d '()')
  if [ -z "$link" ] || [ ! -f "$link" ]; then echo "row without an existing history file: ${row:0:100}"; fail=1; fi
done < <(grep '^| ' BENCHMARKS.md | grep -v '^| benchmark |')
if [ $# -ge 1 ]; then
  # Files 1-58 are the old log; later rounds are new files.
  order=$(grep -o '^| [0-9]* | \[[^]]*\]' docs/benchmarks/README.md | awk '$2 <= 58' | sed 's/.*\[\(.*\)\]/\1/')
  if ! (cd docs/benchmarks && cat $order) | cmp -s - <(git show "$1:BENCHMARKS.md"); then
    echo "the history files are not the log of $1, byte for byte"; fail=1
  fi
fi
[ "$fail" = 0 ] && echo "BENCHMARKS.md: $lines lines, $(grep '^| ' BENCHMARKS.md | grep -vc '^| benchmark |') rows; history ok"
exit "$fail"
