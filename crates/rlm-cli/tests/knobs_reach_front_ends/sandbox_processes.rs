//! `processes` rows (`isolation.isolate`, `isolation.sandbox_workers`): the
//! sandbox worker processes (`rlm sandbox-worker`) a server keeps, counted
//! in /proc among its children, on `rlm serve` and on a worker: `expect`
//! with the knob, `control` without it (none given: the pool's default
//! size, a number other than `expect`).

use super::serve::start_serve;
use super::worker::worker_in_deployment;
use super::*;

/// The processes whose parent is `pid` and whose command is `rlm sandbox-worker`.
fn sandbox_children(pid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let parent_of = |stat: &str| -> Option<u32> {
        // `pid (comm) state ppid ...`: the command may hold spaces and parentheses.
        let after = &stat[stat.rfind(')')? + 1..];
        after.split_whitespace().nth(1)?.parse().ok()
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            parent_of(&stat) == Some(pid) && text(&cmdline).contains("sandbox-worker")
        })
        .count()
}

/// The count once it held still for a second (and equals `target`, when
/// given), within half a minute; the last count else.
async fn settled_count(pid: u32, target: Option<usize>) -> usize {
    let mut counts = Vec::new();
    for _ in 0..60 {
        counts.push(sandbox_children(pid));
        let last = &counts[counts.len().saturating_sub(3)..];
        let still = last.len() == 3 && last.iter().all(|c| *c == last[0]);
        if still && target.is_none_or(|t| t == last[0]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    counts.last().copied().unwrap_or(0)
}

/// The sandbox workers of `front_end` started with the row's knob set
/// `way` when `with_knob`, once settled at `target` (or still).
async fn sandbox_workers(
    front_end: &str,
    row: &Row,
    way: Way,
    with_knob: bool,
    target: Option<usize>,
) -> usize {
    let what = format!("{front_end}, {} as {way:?} (with it: {with_knob})", row.key);
    if front_end == "serve-api" {
        let serve = start_serve(row, way, with_knob).unwrap_or_else(|e| panic!("{what}: {e}"));
        return settled_count(serve.child.id(), target).await;
    }
    let dir = probe_dir(row);
    let (cluster, worker) = worker_in_deployment(row, dir.path(), (way, with_knob), &what, |_| {});
    let count = settled_count(worker.child.id(), target).await;
    drop(worker);
    cluster.clean_up().await;
    count
}

/// Each `processes` row's effect on each server front end honouring it,
/// where [`effect_observed`] says so: one way per cell (rotated), with the
/// knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn the_isolation_knobs_show_in_a_server_s_sandbox_processes() {
    let rows = table();
    for (row, front_end, way) in observed_cells(&rows, "processes", &["serve-api", "serve-worker"])
    {
        let what = format!("{front_end}, {} = {:?} as {way:?}", row.key, row.value);
        let number = |v: Option<&String>| v.map(|n| n.parse::<usize>().expect("a count"));
        let (expect, control) = (number(row.expect.as_ref()), number(row.control.as_ref()));
        let with = sandbox_workers(front_end, row, way, true, expect).await;
        assert_eq!(Some(with), expect, "{what}: sandbox workers with the knob");
        let without = sandbox_workers(front_end, row, way, false, control).await;
        match control {
            Some(_) => assert_eq!(Some(without), control, "{what}: the control's sandbox workers"),
            None => assert_ne!(Some(without), expect, "{what}: the control has as many"),
        }
    }
}
