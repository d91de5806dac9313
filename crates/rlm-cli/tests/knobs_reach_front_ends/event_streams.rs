//! `streams` rows (`server.max_listeners_per_key`,
//! `server.max_listeners_per_execution`) on `rlm serve`: a running execution
//! (the row's program waits on slow subcalls) and two listeners of its event
//! stream (`GET /api/executions/{id}/events`), the first held open while the
//! second asks. At a limit of one the second is refused (`expect`: its
//! status) with a message naming the knob; without the knob both are served.

use super::serve::{post_raw, running_execution, start_serve};
use super::*;

/// A listener of the execution's events: its answer (status, and its
/// body unless served: a stream is held open, its body unread).
async fn listen(client: &reqwest::Client, base: &str, id: &str) -> reqwest::Response {
    let url = format!("{base}/api/executions/{id}/events");
    loop {
        let response = client.get(&url).send().await.expect("GET the events");
        // Between its record and its live log the execution is "starting": asked again.
        if response.status().as_u16() != 429 || response.headers().get("retry-after").is_none() {
            return response;
        }
        let body = response.text().await.unwrap_or_default();
        assert!(body.contains("starting"), "a listener refused: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The second listener's status and body, the first held open meanwhile.
async fn second_listener(row: &Row, way: Way, with_knob: bool) -> (u16, String) {
    let what = format!("rlm serve, {} as {way:?} (with it: {with_knob})", row.key);
    let serve = start_serve(row, way, with_knob).unwrap_or_else(|e| panic!("{what}: {e}"));
    let request = json!({"user_query": "what does the context say?", "context": "a small context"});
    let _held = post_raw(&serve, "/api/execute", &request);
    let id = running_execution(&serve).await;
    let client = reqwest::Client::new();
    let first = listen(&client, &serve.base, &id).await;
    assert_eq!(first.status().as_u16(), 200, "{what}: the first listener was refused");
    let second = client
        .get(format!("{}/api/executions/{id}/events", serve.base))
        .send()
        .await
        .expect("GET the events again");
    let status = second.status().as_u16();
    // A stream served is not read to its end: its status is its answer.
    let body = if status == 200 { String::new() } else { second.text().await.unwrap_or_default() };
    drop(first);
    (status, body)
}

/// Each `streams` row's effect on `rlm serve`, where [`effect_observed`]
/// says so: each way, with the knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn the_listener_limits_refuse_a_second_listener_of_an_execution() {
    let rows = table();
    let observed = rows.iter().filter(|r| r.probe == "streams" && effect_observed(r, "serve-api"));
    let mut probed = 0;
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r, w))) {
        probed += 1;
        let what = format!("rlm serve, {} = {:?} as {way:?}", row.key, row.value);
        let expect = row.expect.as_deref().unwrap_or_default();
        let (status, body) = second_listener(row, way, true).await;
        assert_eq!(status.to_string(), expect, "{what}: the second listener: {body}");
        assert!(body.contains(&row.key), "{what}: the refusal does not name the knob: {body}");
        let (status, body) = second_listener(row, way, false).await;
        assert_eq!(status, 200, "{what}: the control's second listener was refused: {body}");
    }
    assert!(probed > 0, "no streams row");
}
