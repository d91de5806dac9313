//! SSE over HTTP: events parsed one by one (root-model tokens included), a
//! late listener that gets the events so far and then the live ones, a
//! client that disconnects without stopping the execution, resuming with
//! `Last-Event-ID` (live, and from the stored trace once ended, with the ids
//! the frames had live), and the names that tell a note from the end.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// A server whose root model is the demo script and whose sub-model is a
/// mock that takes `delay` per call (so an execution is observably running).
async fn slow_subcalls(delay: Duration) -> (TestServer, MockModel) {
    let mock = MockModel::start(move |_, prompt| {
        let text = if prompt.contains("passphrase is amber-falcon-42") {
            "amber-falcon-42"
        } else {
            "NOT FOUND"
        };
        MockReply { delay, ..MockReply::ok(text) }
    })
    .await;
    let s = TestServer::start_with(demo_script(), |c| {
        mock.as_sub_model(c);
    })
    .await;
    (s, mock)
}

async fn stream(s: &TestServer, sid: &str) -> reqwest::Response {
    let r = s
        .client
        .post(s.url("/api/execute/stream"))
        .json(&json!({"session_id": sid, "user_query": DEMO_QUESTION}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_execution_arrives_event_by_event_with_root_tokens() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("sse", &corpus_text()).await;
    let events = read_sse(stream(&s, &sid).await, |_| true).await;
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    // Ids count from 0 without gaps; every frame says its type in its data too.
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.id, Some(i as u64));
        assert_eq!(e.data["type"], e.event);
    }
    assert_eq!(names[0], "execution_start");
    assert_eq!(names[1], "run_started");
    assert_eq!(*names.last().unwrap(), "complete");
    let count = |n: &str| names.iter().filter(|x| **x == n).count();
    assert_eq!(count("model_call_started"), 3);
    assert_eq!(count("program_started"), 3);
    assert_eq!(count("program_finished"), 3);
    assert_eq!(count("subcall_started"), 6);
    assert_eq!(count("subcall_finished"), 6);
    assert_eq!(count("final_answer"), 1);
    // Root-model tokens arrive between a model call's start and its end, and
    // together they are the reply the model wrote.
    let first_call = names.iter().position(|n| *n == "model_call_started").unwrap();
    let first_end = names.iter().position(|n| *n == "model_call_finished").unwrap();
    let tokens: Vec<&Value> = events[first_call..first_end]
        .iter()
        .filter(|e| e.event == "token")
        .map(|e| &e.data["data"])
        .collect();
    assert!(tokens.len() > 10, "the reply streams in many deltas, got {}", tokens.len());
    let text: String = tokens.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert!(text.starts_with("Let me look at the corpus first."), "{text}");
    assert!(text.contains("ctx.num_documents()"));
    assert_eq!(tokens[0]["model"], "fake:scripted-demo");
    // The program and its output are in the stream.
    let program = events.iter().find(|e| e.event == "program_finished").unwrap();
    assert!(
        program.data["data"]["kind"]["stdout"].as_str().unwrap().contains("chars in 1 documents")
    );
    let done = &events.last().unwrap().data["data"];
    assert_eq!(done["status"], "completed");
    assert!(done["final_result"].as_str().unwrap().contains("amber-falcon-42"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_listener_gets_the_events_so_far_then_the_live_ones() {
    let (s, _mock) = slow_subcalls(Duration::from_millis(600)).await;
    let sid = s.create_session("late", &corpus_text()).await;
    let first = stream(&s, &sid).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    // The first listener reads everything; once the batch is in flight it
    // tells the test to attach a second listener.
    let reader = tokio::spawn(read_sse(first, move |e| {
        if e.event == "subcall_started"
            && let Some(tx) = tx.take()
        {
            let _ = tx.send(e.data["data"]["kind"]["prompt_preview"].clone());
        }
        true
    }));
    rx.await.unwrap();
    let exec = s.get("/api/executions").await.1["executions"][0].clone();
    assert_eq!(exec["status"], "running", "attached while it runs");
    let eid = exec["id"].as_str().unwrap();
    let late = s.client.get(s.url(&format!("/api/executions/{eid}/events"))).send().await.unwrap();
    let late_events = read_sse(late, |_| true).await;
    let first_events = reader.await.unwrap();
    let key = |v: &[Sse]| v.iter().map(|e| (e.id, e.event.clone())).collect::<Vec<_>>();
    assert_eq!(key(&late_events), key(&first_events), "the same events, in the same order");
    assert!(late_events.iter().any(|e| e.event == "subcall_finished"));
    assert_eq!(late_events.last().unwrap().event, "complete");
    // Reconnecting after event 5 resumes at 6 (Last-Event-ID), from the stored trace once ended.
    let r = s.client.get(s.url(&format!("/api/executions/{eid}/events"))).send().await.unwrap();
    let replay = read_sse(r, |_| true).await;
    assert_eq!(replay.first().unwrap().event, "execution_start");
    assert_eq!(replay.last().unwrap().event, "complete");
    assert_eq!(
        replay.iter().filter(|e| e.event == "subcall_finished").count(),
        6,
        "a finished execution replays from its stored trace"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_does_not_stop_the_execution() {
    let (s, mock) = slow_subcalls(Duration::from_millis(300)).await;
    let sid = s.create_session("gone", &corpus_text()).await;
    let seen = read_sse(stream(&s, &sid).await, |e| e.event != "run_started").await;
    assert_eq!(seen.last().unwrap().event, "run_started");
    // The connection is dropped here; the execution goes on to its answer.
    let eid = seen[0].data["data"]["execution_id"].as_str().unwrap().to_string();
    let done = s.wait_execution(&eid).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done["final_result"].as_str().unwrap().contains("amber-falcon-42"));
    assert_eq!(mock.count(), 6, "every subcall was made");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_question_streams_its_subcalls_as_cache_hits() {
    let mock = MockModel::start(|_, prompt| {
        let found = prompt.contains("passphrase is amber-falcon-42");
        MockReply::ok(if found { "amber-falcon-42" } else { "NOT FOUND" })
    })
    .await;
    let s = TestServer::start_with(demo_script(), |c| {
        mock.as_sub_model(c);
        c.engine.cache = Some(c.data_dir.join("cache"));
    })
    .await;
    let sid = s.create_session("cached", &corpus_text()).await;
    let subcalls_of = |events: &[Sse]| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e.event == "subcall_finished")
            .map(|e| e.data["data"]["kind"].clone())
            .collect()
    };
    let first = read_sse(stream(&s, &sid).await, |_| true).await;
    let sent = mock.count();
    assert_eq!(sent, 6, "the first run asks the sub-model six times");
    assert!(subcalls_of(&first).iter().all(|c| c["cached"] == false));

    let second = read_sse(stream(&s, &sid).await, |_| true).await;
    assert_eq!(mock.count(), sent, "the repeated question sends nothing to the sub-model");
    let cached = subcalls_of(&second);
    assert_eq!(cached.len(), 6);
    for c in &cached {
        assert_eq!(c["cached"], true, "{c}");
    }
    let done = &second.last().unwrap().data["data"];
    assert_eq!(done["status"], "completed");
    assert_eq!((done["cache_hits"].as_u64(), done["subcalls"].as_u64()), (Some(6), Some(0)));
    assert_eq!(done["final_result"], first.last().unwrap().data["data"]["final_result"]);
    s.stop().await;
}

/// The events of an execution, attached after `last_seen` (none: from the start).
async fn attach(s: &TestServer, eid: &str, last_seen: Option<u64>) -> Vec<Sse> {
    let mut r = s.client.get(s.url(&format!("/api/executions/{eid}/events")));
    if let Some(id) = last_seen {
        r = r.header("last-event-id", id.to_string());
    }
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 200);
    read_sse(r, |_| true).await
}

fn frames(v: &[Sse]) -> Vec<(Option<u64>, String, Value)> {
    v.iter().map(|e| (e.id, e.event.clone(), e.data.clone())).collect()
}

/// The frames of a replay that the store keeps: every one but the tokens.
/// A replay made just after `complete` may still come from the execution's
/// live log (kept until the settled record is stored), which holds the
/// tokens too; from the store it never does. Either way the other frames,
/// their ids and data are the same.
fn stored_frames(v: &[Sse]) -> Vec<(Option<u64>, String, Value)> {
    frames(v).into_iter().filter(|f| f.1 != "token").collect()
}

/// A root model that first writes no code (a non-fatal note in the trace),
/// then runs a program, then answers.
const NOTE_THEN_ANSWER: &str = r#"
model = "note-then-answer"
when_exhausted = { fixed = "```repl\nFINAL('done: ' + str(n))\n```" }
[[replies]]
text = "Let me think about this without any code first."
[[replies]]
text = "```repl\nn = len(context)\nprint(n)\n```"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_execution_resumes_after_last_event_id_with_its_live_ids() {
    let s = TestServer::start(toml::from_str(NOTE_THEN_ANSWER).unwrap()).await;
    let sid = s.create_session("resume", "some context to measure").await;
    let live = read_sse(stream(&s, &sid).await, |_| true).await;
    let eid = live[0].data["data"]["execution_id"].as_str().unwrap().to_string();
    // A note is `trace_error` (its data the trace's `error` event); only the
    // last frame ends the stream.
    let note = live.iter().find(|e| e.event == "trace_error").expect("the no-code reply's note");
    assert_eq!(note.data["type"], "trace_error");
    assert_eq!(note.data["data"]["kind"]["type"], "error");
    assert_eq!(note.data["data"]["kind"]["fatal"], false);
    assert!(note.data["data"]["kind"]["message"].as_str().unwrap().contains("invalid reply"));
    assert!(live.iter().all(|e| e.event != "error"), "no `error` frame on a completed run");
    assert_eq!(live.last().unwrap().event, "complete");
    assert!(live.iter().any(|e| e.event == "token"), "the reply streamed");
    let last = live.last().unwrap().id.unwrap();
    assert_eq!(last as usize + 1, live.len());

    // Replayed from the store: every frame but the tokens, with its live id and data.
    let stored = stored_frames(&live);
    assert_eq!(stored_frames(&attach(&s, &eid, None).await), stored);
    // Resumed after any id: exactly the stored frames after it.
    for seen in 0..=last {
        let expected: Vec<_> = stored.iter().filter(|f| f.0.unwrap() > seen).cloned().collect();
        assert_eq!(stored_frames(&attach(&s, &eid, Some(seen)).await), expected, "after id {seen}");
    }
    // After the last frame there is nothing more; an id that is not ours replays it all.
    assert!(attach(&s, &eid, Some(last + 5)).await.is_empty());
    let r = s
        .client
        .get(s.url(&format!("/api/executions/{eid}/events")))
        .header("last-event-id", "not-a-number")
        .send()
        .await
        .unwrap();
    assert_eq!(stored_frames(&read_sse(r, |_| true).await), stored);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_execution_resumes_live_and_a_cancelled_one_ends_with_error() {
    let (s, _mock) = slow_subcalls(Duration::from_millis(400)).await;
    let sid = s.create_session("resume-live", &corpus_text()).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let reader = tokio::spawn(read_sse(stream(&s, &sid).await, move |e| {
        if e.event == "subcall_started"
            && let Some(tx) = tx.take()
        {
            let _ = tx.send((e.id.unwrap(), e.data["data"]["kind"].clone()));
        }
        true
    }));
    let (at, _) = rx.await.unwrap();
    let exec = s.get("/api/executions").await.1["executions"][0].clone();
    let eid = exec["id"].as_str().unwrap().to_string();
    // Resuming while it runs: the live log from the next id on.
    let resumed = tokio::spawn({
        let url = s.url(&format!("/api/executions/{eid}/events"));
        let client = s.client.clone();
        async move {
            let r = client.get(url).header("last-event-id", at.to_string()).send().await.unwrap();
            read_sse(r, |_| true).await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, cancelled) = s.post(&format!("/api/executions/{eid}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let first = reader.await.unwrap();
    let resumed = resumed.await.unwrap();
    let after: Vec<_> = frames(&first).into_iter().filter(|f| f.0.unwrap() > at).collect();
    assert_eq!(frames(&resumed), after, "the same frames after id {at}, tokens included");
    // The end of a run that did not complete is the one `error` frame, last.
    let end = first.last().unwrap();
    assert_eq!(end.event, "error");
    assert_eq!(end.data["data"]["execution"]["status"], "cancelled");
    assert_eq!(first.iter().filter(|e| e.event == "error").count(), 1);
    // And replayed from the store, it ends the same way with the same id.
    let replay = attach(&s, &eid, Some(at)).await;
    let stored: Vec<_> = after.into_iter().filter(|f| f.1 != "token").collect();
    assert_eq!(frames(&replay), stored);
    s.stop().await;
}
