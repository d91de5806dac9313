#!/usr/bin/env bash
# Instruction counts of the interpreter benchmark's workloads (our side only),
# stable on a loaded machine where times are not.
#
#   bash crates/rlm-interp/benches/callgrind.sh            # every workload
#   bash crates/rlm-interp/benches/callgrind.sh word_count # some of them
#   RLM_BENCH_BIN=/tmp/bench_before bash crates/rlm-interp/benches/callgrind.sh
#                                      # a bench binary kept aside (no build)
#
# Builds the bench example (`--profile profiling`: symbols), then runs `bench --once NAME REPS` under
# `valgrind --tool=callgrind`, collecting only inside `run_ours` (Session::new,
# parse, compile, run, drop; the 5 MB context is generated outside it).
# Start-up (`print(1)`) runs 1000 times and is reported per run; every other
# workload runs once. Prints a markdown table of instructions (Ir).
# CPython's counts for the same workloads: `callgrind_cpython.sh`.
set -euo pipefail
source "$(dirname "$0")/callgrind_lib.sh"
bin="$(bench_bin)"
echo "| workload | runs | instructions per run (Ir) |"
echo "|---|---|---|"
for name in $(workload_names "$@"); do
    reps="$(workload_reps "$name")"
    total="$(ours_ir "$bin" "$name" "$reps" "$out")"
    printf '| %s | %d | %s |\n' "$name" "$reps" "$(thousands "$total // $reps")"
done
