//! `disconnect` rows (`server.on_disconnect`) on `rlm serve`: a client asks
//! `POST /api/execute` on a raw socket and leaves (closes it) while the
//! row's program waits on slow subcalls; the execution ends `expect` with
//! the knob and `control` without it (rlm-server's tests/disconnect.rs holds
//! the statuses of the other routes).

use super::serve::{ended_execution, post_raw, running_execution, start_serve};
use super::*;

/// The status of an execution whose client left while it ran.
async fn left_execution_status(row: &Row, way: Way, with_knob: bool) -> String {
    let what = format!("rlm serve, {} as {way:?} (with it: {with_knob})", row.key);
    let serve = start_serve(row, way, with_knob).unwrap_or_else(|e| panic!("{what}: {e}"));
    let request = json!({"user_query": "what does the context say?", "context": "a small context"});
    let client = post_raw(&serve, "/api/execute", &request);
    let id = running_execution(&serve).await;
    drop(client);
    let record = ended_execution(&serve, &id).await;
    record["status"].as_str().unwrap_or_default().to_string()
}

/// Each `disconnect` row's effect on `rlm serve`, where [`effect_observed`]
/// says so: each way, with the knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn a_client_that_leaves_ends_its_execution_as_the_knob_says() {
    let rows = table();
    let observed =
        rows.iter().filter(|r| r.probe == "disconnect" && effect_observed(r, "serve-api"));
    let mut probed = 0;
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r, w))) {
        probed += 1;
        let what = format!("rlm serve, {} = {:?} as {way:?}", row.key, row.value);
        let (expect, control) = (row.expect.as_deref(), row.control.as_deref());
        let with = left_execution_status(row, way, true).await;
        assert_eq!(Some(with.as_str()), expect, "{what}: with the knob");
        let without = left_execution_status(row, way, false).await;
        assert_eq!(Some(without.as_str()), control, "{what}: the control run");
    }
    assert!(probed > 0, "no disconnect row");
}
