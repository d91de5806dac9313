#!/usr/bin/env bash
# Runs one fuzz target until it has used GOAL_CPU_SECONDS of CPU time (user +
# system, default 3600: issue #33's "one CPU-hour per target"), in chunks of
# CHUNK_SECONDS wall time, so that a run at low priority on a shared machine
# still counts only the CPU it really got. Each chunk's CPU time, executions,
# coverage and exit status go to fuzz/hours/<target>.log (appended); a crash
# or leak leaves its input in fuzz/artifacts/<target>/ and the loop goes on.
#
#   cargo +nightly fuzz build -O                     # once, all targets
#   nice -n 19 fuzz/run_cpu_hours.sh interp_hostile  # from the repository root
#
# The corpus grows in fuzz/corpus/<target>/ (ignored by git).
set -u
target="${1:?usage: run_cpu_hours.sh TARGET}"
root="$(cd "$(dirname "$0")/.." && pwd)"
goal="${GOAL_CPU_SECONDS:-3600}"
chunk="${CHUNK_SECONDS:-600}"
bin="${FUZZ_TARGET_DIR:-$root/fuzz/target}/x86_64-unknown-linux-gnu/release/$target"
[ -x "$bin" ] || { echo "no fuzz binary at $bin: run cargo +nightly fuzz build -O" >&2; exit 2; }

case "$target" in
    syntax_bytes | interp_programs) opts=(-rss_limit_mb=2048) ;;
    syntax_structured) opts=(-max_len=4096) ;;
    interp_hostile) opts=(-rss_limit_mb=1024 -timeout=30 -max_len=2048) ;;
    interp_differential) opts=(-rss_limit_mb=2048 -timeout=60 -max_len=512) ;;
    *) opts=() ;;
esac

mkdir -p "$root/fuzz/corpus/$target" "$root/fuzz/artifacts/$target" "$root/fuzz/hours"
log="$root/fuzz/hours/$target.log"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
used=0
echo "# $(date -u +%FT%TZ) $target goal=${goal}s cpu, chunks of ${chunk}s, commit $(git -C "$root" rev-parse --short HEAD), ${opts[*]}" >>"$log"
while [ "$used" -lt "$goal" ]; do
    start="$(date -u +%T)"
    /usr/bin/time -f 'CPU %U %S' "$bin" "${opts[@]}" -max_total_time="$chunk" -print_final_stats=1 \
        -artifact_prefix="$root/fuzz/artifacts/$target/" "$root/fuzz/corpus/$target" >"$out" 2>&1
    status=$?
    read -r user sys < <(grep '^CPU ' "$out" | tail -1 | cut -d' ' -f2-)
    secs="$(printf '%.0f' "$(echo "${user:-0} + ${sys:-0}" | bc)")"
    used=$((used + secs))
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' | tail -1)"
    cov="$(grep -o 'cov: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)"
    crash="$(grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$out" | tail -2 | tr '\n' ' ')"
    echo "$start-$(date -u +%T) exit=$status cpu=${secs}s total=${used}s runs=${runs:-?} cov=${cov:-?} ${crash}" >>"$log"
done
echo "# $(date -u +%FT%TZ) $target done: ${used}s of CPU" >>"$log"
