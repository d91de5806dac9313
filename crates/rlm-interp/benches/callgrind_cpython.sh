#!/usr/bin/env bash
# Instruction counts of the benchmark's workloads on CPython 3.11 and on
# ours, side by side: a comparison with CPython that a loaded machine does not
# blur. Instructions are not time (the two differ in instructions per cycle:
# CPython's run is more memory-bound, ours more branchy), so quote these
# beside the wall-clock ratios of `cargo run --release -p rlm-interp
# --example bench`, never instead of them.
#
#   bash crates/rlm-interp/benches/callgrind_cpython.sh            # every workload
#   bash crates/rlm-interp/benches/callgrind_cpython.sh word_count # some of them
#   RLM_BENCH_BIN=/tmp/bench_before bash crates/rlm-interp/benches/callgrind_cpython.sh
#
# Ours: as `callgrind.sh` (`bench --once NAME REPS` under callgrind,
# collecting inside `run_ours`). CPython: `python3 cpython_once.py CONTEXT
# NAME REPS` (the workload's own context, written by `bench --write-context
# PATH NAME`, and the same way of running as `bench_driver.py`) under
# callgrind, whole process,
# minus the same with 0 runs (interpreter start, reading the context,
# compiling): what is left is the runs, their output capture and the freeing
# of what they made. Start-up runs 1000 times (compiling each time on both
# sides) and is reported per run; every other workload runs once.
# Ratio = CPython's instructions / ours (above 1: we execute fewer).
# Both sides must print the same: a workload whose outputs differ is named on
# stderr, and the script exits with status 1 after the table.
set -euo pipefail
source "$(dirname "$0")/callgrind_lib.sh"
bin="$(bench_bin)"
python="$(python3 -c 'import sys; print(sys.executable)')"  # not a pyenv shim
once=crates/rlm-interp/benches/cpython_once.py

# CPython's instructions for `cpython_once.py ... NAME REPS`, whole process.
cpython_ir() {
    local name="$1" reps="$2" tag="$3"
    valgrind --tool=callgrind --callgrind-out-file="$out/py_$tag.cg" \
        "$python" "$once" "$out/context_$name.txt" "$name" "$reps" \
        >"$out/py_$tag.stdout" 2>"$out/py_$tag.log" \
        || { cat "$out/py_$tag.log" >&2; return 1; }
    callgrind_total "$out/py_$tag.cg"
}

echo "| workload | runs | CPython 3.11 (Ir per run) | ours (Ir per run) | ratio (CPython Ir / ours) |"
echo "|---|---|---|---|---|"
differing=()
for name in $(workload_names "$@"); do
    reps="$(workload_reps "$name")"
    "$bin" --write-context "$out/context_$name.txt" "$name"
    ours="$(ours_ir "$bin" "$name" "$reps" "$out")"
    runs="$(cpython_ir "$name" "$reps" "${name}_runs")"
    setup="$(cpython_ir "$name" 0 "${name}_setup")"
    # Both sides must have printed the same (in the last run).
    if ! cmp -s "$out/$name.stdout" "$out/py_${name}_runs.stdout"; then
        echo "error: $name: our output differs from CPython's:" >&2
        diff "$out/$name.stdout" "$out/py_${name}_runs.stdout" | head -n 6 >&2 || true
        differing+=("$name")
    fi
    printf '| %s | %d | %s | %s | %s |\n' "$name" "$reps" \
        "$(thousands "($runs - $setup) // $reps")" "$(thousands "$ours // $reps")" \
        "$(python3 -c "print(f'{($runs - $setup) / $ours:.2f}x')")"
done
if [ ${#differing[@]} -gt 0 ]; then
    echo "error: output differs from CPython's in ${differing[*]}" >&2
    exit 1
fi
