# Shared by `callgrind.sh` and `callgrind_cpython.sh` (sourced, not run):
# the common start (the repository as working directory, a scratch directory
# `$out` removed at exit), building the bench example, the workload list, and
# counting our side.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# The bench binary: $RLM_BENCH_BIN if set (a binary kept aside, e.g. built
# at another commit with `--profile profiling`), else the example built here.
bench_bin() {
    if [ -n "${RLM_BENCH_BIN:-}" ]; then
        echo "$RLM_BENCH_BIN"
        return
    fi
    # The profiling profile: release optimisation with symbols (a release
    # build is stripped, and callgrind could not find `run_ours` in it).
    cargo build --profile profiling -p rlm-interp --example bench >&2
    echo "${CARGO_TARGET_DIR:-$root/target}/profiling/examples/bench"
}

# The workloads named on the command line, else all of them (start-up first).
workload_names() {
    if [ $# -gt 0 ]; then
        printf '%s\n' "$@"
        return
    fi
    echo startup
    for f in "$root"/crates/rlm-interp/benches/workloads/*.py; do
        name="$(basename "$f" .py)"
        [ "$name" = startup ] || echo "$name"
    done
}

# Runs per count: start-up is short and runs 1000 times, the rest once.
workload_reps() {
    if [ "$1" = startup ]; then echo 1000; else echo 1; fi
}

# The `totals:` line of a callgrind output file.
callgrind_total() {
    sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1"
}

# Our instructions for REPS runs of workload NAME: `bench --once NAME REPS`
# under callgrind, collecting inside `run_ours` only (Session::new, parse,
# compile, run, drop; the 5 MB context is generated outside it).
ours_ir() {
    local bin="$1" name="$2" reps="$3" out="$4"
    valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" \
        --toggle-collect='*run_ours*' "$bin" --once "$name" "$reps" \
        >"$out/$name.stdout" 2>"$out/$name.log" \
        || { cat "$out/$name.log" >&2; return 1; }
    callgrind_total "$out/$name.cg"
}

# A count with thousands separators.
thousands() {
    python3 -c "print(f'{$1:,}')"
}
