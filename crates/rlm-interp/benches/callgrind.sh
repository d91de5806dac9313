#!/usr/bin/env bash
# Instruction counts of the interpreter benchmark's workloads (our side only),
# stable on a loaded machine where times are not.
#
#   bash crates/rlm-interp/benches/callgrind.sh            # every workload
#   bash crates/rlm-interp/benches/callgrind.sh word_count # some of them
#
# Builds the bench example (release), then runs `bench --once NAME REPS` under
# `valgrind --tool=callgrind`, collecting only inside `run_ours` (Session::new,
# parse, compile, run, drop; the 5 MB context is generated outside it).
# Start-up (`print(1)`) runs 1000 times and is reported per run; every other
# workload runs once. Prints a markdown table of instructions (Ir).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
cargo build --release -p rlm-interp --example bench >&2
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench"
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
    workloads=(startup)
    for f in crates/rlm-interp/benches/workloads/*.py; do
        name="$(basename "$f" .py)"
        [ "$name" = startup ] || workloads+=("$name")
    done
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "| workload | runs | instructions per run (Ir) |"
echo "|---|---|---|"
for name in "${workloads[@]}"; do
    reps=1
    [ "$name" = startup ] && reps=1000
    valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" \
        --toggle-collect='*run_ours*' "$bin" --once "$name" "$reps" >"$out/$name.stdout" 2>"$out/$name.log" \
        || { cat "$out/$name.log" >&2; exit 1; }
    total="$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out/$name.cg")"
    printf '| %s | %d | %s |\n' "$name" "$reps" \
        "$(python3 -c "print(f'{$total // $reps:,}')")"
done
