//! `blob_sweep` rows (`server.blob_grace_secs`): a blob no record
//! references, written ten minutes before the server starts (as a crash
//! between a blob and its record leaves one), in its blob folder: the
//! start-up sweep deletes it when the grace period (the knob's minute) is
//! shorter than its age, and keeps it under the default hour.

use super::serve::start_serve_in;
use super::worker::worker_in_deployment;
use super::*;

/// A blob's name (64 lower-case hex digits): the sweep judges it by its
/// references and its age alone.
const ORPHAN: &str = "0badb10b0badb10b0badb10b0badb10b0badb10b0badb10b0badb10b0badb10b";
/// How long the probe waits for the start-up sweep (it runs as the server
/// starts listening) with the knob, and watches the control run.
const SWEEP_WAIT: Duration = Duration::from_secs(15);
const CONTROL_WAIT: Duration = Duration::from_secs(5);

/// Writes the orphan blob into `blobs` (a folder to be a server's), ten minutes old.
fn write_orphan(blobs: &Path) -> PathBuf {
    std::fs::create_dir_all(blobs).expect("the blob folder");
    let path = blobs.join(ORPHAN);
    std::fs::write(&path, "a blob no record names").expect("write the orphan blob");
    let ten_minutes_ago = std::time::SystemTime::now() - Duration::from_secs(600);
    let file = std::fs::File::options().write(true).open(&path).expect("open the blob");
    file.set_modified(ten_minutes_ago).expect("age the blob");
    path
}

/// Whether `path` is gone within `wait`.
async fn swept(path: &Path, wait: Duration) -> bool {
    for _ in 0..50 {
        if !path.exists() {
            return true;
        }
        tokio::time::sleep(wait / 50).await;
    }
    false
}

/// Whether `front_end`, started with the orphan in its blob folder and the
/// row's knob set `way` when `with_knob`, deletes it.
async fn orphan_swept(front_end: &str, row: &Row, way: Way, with_knob: bool) -> bool {
    let what = format!("{front_end}, {} as {way:?} (with it: {with_knob})", row.key);
    let wait = if with_knob { SWEEP_WAIT } else { CONTROL_WAIT };
    let dir = probe_dir(row);
    if front_end == "serve-api" {
        let orphan = write_orphan(&dir.path().join("data").join("blobs"));
        let serve = start_serve_in(dir, row, way, with_knob);
        let _serve = serve.unwrap_or_else(|e| panic!("{what}: {e}"));
        return swept(&orphan, wait).await;
    }
    let mut orphan = PathBuf::new();
    let (cluster, worker) = worker_in_deployment(row, dir.path(), (way, with_knob), &what, |c| {
        orphan = write_orphan(&c.data.path().join("data").join("blobs"));
    });
    let gone = swept(&orphan, wait).await;
    drop(worker);
    cluster.clean_up().await;
    gone
}

/// Each `blob_sweep` row's effect on each server front end honouring it,
/// where [`effect_observed`] says so: one way per cell (rotated), with the
/// knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn the_blob_grace_decides_whether_an_old_orphan_blob_is_swept() {
    let rows = table();
    for (row, front_end, way) in observed_cells(&rows, "blob_sweep", &["serve-api", "serve-worker"])
    {
        let what = format!("{front_end}, {} = {:?} as {way:?}", row.key, row.value);
        assert!(orphan_swept(front_end, row, way, true).await, "{what}: the orphan was kept");
        let kept = !orphan_swept(front_end, row, way, false).await;
        assert!(kept, "{what}: the control run swept the orphan too");
    }
}
