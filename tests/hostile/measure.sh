#!/usr/bin/env bash
# Runs every hostile program under `rlm exec --reply ok` with the DEFAULT limits (release
# build), and prints one row per program: its name, how it ended (kind), wall
# seconds and peak RSS (/usr/bin/time's %e and %M). A row is FLAGGED when the
# program took over 1 s or its peak RSS passed the memory budget + 64 MiB
# (issue #33's "must show"), or when `rlm` died of a signal or a panic.
#
#   tests/hostile/measure.sh                 # build release, run all
#   RLM=path/to/rlm tests/hostile/measure.sh # an rlm already built
#   HOSTILE_ONLY=fuel_ tests/hostile/measure.sh
#
# Exit status: 0 when nothing is flagged, 1 otherwise. Time is measured, never
# asserted in tests: this script is the place for it.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
budget_mib="${BUDGET_MIB:-512}"   # rlm_interp::Limits::default().memory_bytes
slack_mib=64
max_secs="${MAX_SECS:-1}"

if [ -z "${RLM:-}" ]; then
    (cd "$root" && cargo build --release -p rlm-cli --bin rlm) >&2 || exit 2
    RLM="${CARGO_TARGET_DIR:-$root/target}/release/rlm"
fi
[ -x "$RLM" ] || { echo "no rlm binary at $RLM" >&2; exit 2; }

# The kind a run ended with, from `rlm exec`'s exit code and its last stderr line.
kind_of() {
    local code="$1" last="$2"
    case "$code" in
        0) echo ok; return ;;
        124) echo TIMEOUT; return ;;
        5) echo PANIC; return ;;
    esac
    if [ "$code" -gt 128 ]; then echo "SIGNAL$((code - 128))"; return; fi
    case "$last" in
        *"out of fuel"*) echo fuel ;;
        *"memory limit"*) echo memory ;;
        *"string too long"*) echo string_length ;;
        *"collection too large"*|*"infinite iterator"*) echo collection_length ;;
        *"call depth"*|*"callbacks nested"*) echo recursion ;;
        *"nested too deeply"*|*"nests too deeply"*) echo nesting ;;
        *"output limit"*) echo output ;;
        *"regular expression"*|*re.error*) echo regex ;;
        *OverflowError*) echo overflow ;;
        *SyntaxError*|*"not supported"*) echo syntax ;;
        *) echo "error:${last%%:*}" ;;
    esac
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flagged=0
total=0
printf '%-46s %-18s %8s %9s  %s\n' program kind seconds "peak MiB" flag
for file in "$here"/*.py; do
    name="$(basename "$file")"
    [ "$name" = check.py ] && continue
    case "$name" in *"${HOSTILE_ONLY:-}"*) ;; *) continue ;; esac
    total=$((total + 1))
    # A hard stop well past the flag threshold, so a stall cannot hang the table.
    /usr/bin/time -o "$tmp/time" -f "%e %M" timeout -k 5 120 \
        "$RLM" exec "$file" --reply ok >"$tmp/out" 2>"$tmp/err" </dev/null
    code=$?
    # The figures are time(1)'s last line (it may first say "Command exited
    # with non-zero status N" or "Command terminated by signal N").
    read -r secs kib < <(tail -n 1 "$tmp/time") || { secs=0; kib=0; }
    last="$(grep -v '^(limit errors' "$tmp/err" | tail -n 1 | cut -c1-200)"
    kind="$(kind_of "$code" "$last")"
    peak_mib=$((kib / 1024))
    flag=""
    if awk "BEGIN { exit !($secs > $max_secs) }"; then flag="SLOW"; fi
    if [ "$peak_mib" -gt $((budget_mib + slack_mib)) ]; then flag="$flag RSS"; fi
    case "$kind" in TIMEOUT|PANIC|SIGNAL*) flag="$flag $kind" ;; esac
    if grep -q ESCAPED "$tmp/out"; then flag="$flag ESCAPED"; fi
    [ -n "$flag" ] && flagged=$((flagged + 1))
    printf '%-46s %-18s %8.2f %9d  %s\n' "$name" "$kind" "$secs" "$peak_mib" "$flag"
done
echo "$total programs, $flagged flagged (over ${max_secs} s, over ${budget_mib}+${slack_mib} MiB, died or escaped); rlm: $RLM"
[ "$flagged" -eq 0 ]
