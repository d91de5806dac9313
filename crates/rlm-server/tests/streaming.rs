//! SSE over HTTP: events parsed one by one (root-model tokens included), a
//! late listener that gets the events so far and then the live ones, and a
//! client that disconnects without stopping the execution.

mod common;

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
    let env = mock.env();
    let s = TestServer::start_with(demo_script(), |c| {
        c.models.default_sub_model = Some("openai:mock-sub".into());
        c.models.env = env;
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
    let env = mock.env();
    let s = TestServer::start_with(demo_script(), |c| {
        c.models.default_sub_model = Some("openai:mock-sub".into());
        c.models.env = env;
        c.models.cache_dir = Some(c.data_dir.join("cache"));
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
