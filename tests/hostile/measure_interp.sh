#!/usr/bin/env bash
# Times hostile programs with rlm-interp's `run_file` example (a release build of
# rlm-interp alone, much cheaper than rlm-cli's): one row per program, its name,
# how it ended, wall seconds, peak RSS (MiB) and fuel used, after a first row
# for the plain dispatch loop (`x = x + 1` forever) measured in the same run,
# the reference every row is compared with (issue #33: a fuel-bound row should
# end within ~2.5x of the loop's time). Rows whose program asks `llm_query`
# end `suspended` (no host here): `measure.sh` times those through `rlm exec`.
#
#   tests/hostile/measure_interp.sh                     # every program
#   tests/hostile/measure_interp.sh a.py b.py           # these files
#   RUN_FILE=path/to/run_file tests/hostile/measure_interp.sh
#
# Timing only: nothing is asserted (the test suite asserts kinds, never time).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -z "${RUN_FILE:-}" ]; then
    (cd "$root" && cargo build --release --locked -p rlm-interp --example run_file) >&2 || exit 2
    RUN_FILE="${CARGO_TARGET_DIR:-$root/target}/release/examples/run_file"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'x = 0\nwhile True:\n    x = x + 1\n' >"$tmp/loop_reference.py"
if [ "$#" -eq 0 ]; then set -- "$here"/*.py; fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-46s %-18s %8s %9s %12s\n' program kind seconds "peak MiB" fuel
"$RUN_FILE" "$tmp/loop_reference.py"
for file in "$@"; do
    [ "$(basename "$file")" = check.py ] && continue
    name="$(basename "$file")"
    timeout -k 5 "${TIMEOUT_SECS:-60}" "$RUN_FILE" "$file" </dev/null 2>/dev/null
    code=$?
    case "$code" in
        0) ;;
        124) printf '%-46s %-18s %8s\n' "$name" TIMEOUT ">${TIMEOUT_SECS:-60}" ;;
        *) printf '%-46s %-18s\n' "$name" "exit:$code" ;;
    esac
done
