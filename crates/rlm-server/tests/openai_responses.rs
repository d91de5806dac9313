//! `POST /v1/responses`, OpenAI's Responses API, over HTTP: the blocking
//! `response` object answering the README's demo question over the scripted
//! model, the streamed event sequence (opened at once, the answer, closed,
//! `response.completed` with the usage), `instructions` and message lists
//! as input, and OpenAI error objects for what is refused. The official
//! clients are driven against it by rlm-cli's `structured_answers` tests.

use crate::common;

use common::*;
use serde_json::{Value, json};

const ANSWER: &str = "billing logged the most errors (50); the vault passphrase is amber-falcon-42";

/// The `(event, data)` pairs of an SSE body, in order.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|frame| {
            let name = frame.lines().find_map(|l| l.strip_prefix("event:")).map(str::trim)?;
            let data: String = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|v| v.strip_prefix(' ').unwrap_or(v))
                .collect();
            Some((name.to_string(), serde_json::from_str(&data).unwrap_or(Value::Null)))
        })
        .collect()
}

fn demo_input() -> Value {
    json!([
        {"role": "user", "content": [{"type": "input_text", "text": corpus_text()}]},
        {"role": "user", "content": DEMO_QUESTION},
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_response_answers_the_demo_question_as_a_response_object() {
    let s = TestServer::start(demo_script()).await;
    let body =
        json!({"model": "rlm", "instructions": "Answer in one sentence.", "input": demo_input()});
    let r = s.client.post(s.url("/v1/responses")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let header = r.headers()["x-rlm-trace-id"].to_str().unwrap().to_string();
    let resp: Value = r.json().await.unwrap();
    assert_eq!(resp["object"], "response");
    assert_eq!(resp["status"], "completed");
    assert!(resp["id"].as_str().unwrap().starts_with("resp_"), "{resp}");
    assert!(resp["created_at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(resp["model"], "rlm");
    assert_eq!(resp["instructions"], "Answer in one sentence.");
    assert!(resp["error"].is_null() && resp["incomplete_details"].is_null());
    let message = &resp["output"][0];
    assert_eq!(message["type"], "message");
    assert_eq!(message["role"], "assistant");
    assert_eq!(message["status"], "completed");
    assert_eq!(message["content"][0]["type"], "output_text");
    assert_eq!(message["content"][0]["text"], ANSWER);
    assert_eq!(message["content"][0]["annotations"], json!([]));
    let u = &resp["usage"];
    let (input, output) =
        (u["input_tokens"].as_u64().unwrap(), u["output_tokens"].as_u64().unwrap());
    assert!(input > 0 && output > 0, "{u}");
    assert_eq!(u["total_tokens"].as_u64().unwrap(), input + output);
    assert_eq!(resp["rlm_trace_id"], header);
    assert_eq!(resp["text"]["format"]["type"], "text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_response_sends_the_event_sequence_then_completed() {
    let s = TestServer::start(demo_script()).await;
    let body = json!({"model": "rlm", "input": demo_input(), "stream": true});
    let r = s.client.post(s.url("/v1/responses")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = sse_events(&r.text().await.unwrap());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    for (i, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"], name.as_str(), "{data}");
        assert_eq!(data["sequence_number"], i as u64, "{data}");
    }
    let created = &events[0].1["response"];
    assert_eq!(created["status"], "in_progress");
    let item_id = events[2].1["item"]["id"].as_str().unwrap().to_string();
    assert_eq!(events[4].1["item_id"], item_id.as_str());
    let streamed: String = events
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(streamed, ANSWER);
    let done = &events[8].1["response"];
    assert_eq!(done["id"], created["id"]);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["content"][0]["text"], ANSWER);
    assert!(done["usage"]["total_tokens"].as_u64().unwrap() > 0, "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_get_openai_error_objects_naming_the_field() {
    let s = TestServer::start(demo_script()).await;
    let refused = [
        (
            json!({"model": "rlm", "input": "q", "tools": [{"type": "function", "name": "f"}]}),
            "tools",
        ),
        (
            json!({"model": "rlm", "input": "q", "previous_response_id": "resp_1"}),
            "previous_response_id",
        ),
        (
            json!({"model": "rlm", "input": [{"type": "function_call_output", "output": "x"}]}),
            "input",
        ),
        (
            json!({"model": "rlm", "input": [{"role": "user", "content": [{"type": "input_image"}]}]}),
            "input",
        ),
        (json!({"model": "rlm", "input": 7}), "input"),
        (json!({"model": "rlm", "input": "q", "text": {"format": {"type": "grammar"}}}), "text"),
    ];
    for (body, param) in refused {
        let r = s.client.post(s.url("/v1/responses")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["param"], param, "{e}");
        assert!(e["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    }
    // An empty tool list is no tool.
    let body = json!({"model": "rlm", "input": demo_input(), "tools": []});
    let r = s.client.post(s.url("/v1/responses")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
