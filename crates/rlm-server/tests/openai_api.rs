//! The OpenAI-compatible endpoint over HTTP: a blocking and a streamed chat
//! completion answering the README's demo question over the scripted model
//! (the corpus sent as a long message, or a stored session named by
//! `model`), the whole tree's usage, the trace id in the header and the
//! body, `/v1/models`, and OpenAI error objects for bad requests and keys.

use crate::common;

use common::*;
use rlm_server::ApiKey;
use serde_json::{Value, json};

const ANSWER: &str = "billing logged the most errors (50); the vault passphrase is amber-falcon-42";
const KEY: &str = "openai-test-token-0123456789";

/// The `data:` payloads of an SSE body, in order (`[DONE]` kept as a string).
fn sse_data(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|frame| {
            let data: String = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|v| v.strip_prefix(' ').unwrap_or(v))
                .collect();
            if data.is_empty() {
                None
            } else {
                Some(serde_json::from_str(&data).unwrap_or(Value::String(data)))
            }
        })
        .collect()
}

fn assert_openai_error(body: &Value, param: Option<&str>) {
    let e = &body["error"];
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert!(e["type"].is_string() && e["code"].is_string(), "{body}");
    assert_eq!(e["param"].as_str(), param, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_completion_answers_the_demo_question_with_the_trees_usage() {
    let s = TestServer::start(demo_script()).await;
    let corpus = corpus_text();
    let body = json!({"model": "rlm", "messages": [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": corpus},
        {"role": "user", "content": DEMO_QUESTION},
    ]});
    let r = s.client.post(s.url("/v1/chat/completions")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let header = r.headers()["x-rlm-trace-id"].to_str().unwrap().to_string();
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["object"], "chat.completion");
    assert!(c["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(c["model"], "rlm");
    assert!(c["created"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(c["choices"][0]["index"], 0);
    assert_eq!(c["choices"][0]["message"]["role"], "assistant");
    assert_eq!(c["choices"][0]["message"]["content"], ANSWER);
    assert_eq!(c["choices"][0]["finish_reason"], "stop");
    assert_eq!(c["rlm_trace_id"], header.as_str());
    // The execution it names: the corpus was the context, the usage is its tree's.
    let (status, exec) = s.get(&format!("/api/executions/{header}")).await;
    assert_eq!(status, 200, "{exec}");
    assert_eq!(exec["context_size"], corpus.chars().count() as u64);
    assert_eq!(exec["user_query"], format!("Answer in one sentence.\n\n{DEMO_QUESTION}"));
    let u = &c["usage"];
    assert_eq!(u["prompt_tokens"], exec["total_input_tokens"]);
    assert_eq!(u["completion_tokens"], exec["total_output_tokens"]);
    assert_eq!(
        u["total_tokens"].as_u64().unwrap(),
        u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap()
    );
    // Sub-model calls are in it: the demo fans the corpus out to sub-models.
    assert!(c["rlm"]["subcalls"].as_u64().unwrap() > 0, "{c}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_completion_sends_chunks_tokens_the_answer_usage_and_done() {
    let s = TestServer::start(demo_script()).await;
    let body = json!({"model": "rlm:scripted", "stream": true,
    "stream_options": {"include_usage": true},
    "messages": [{"role": "user", "content": [
        {"type": "text", "text": corpus_text()},
        {"type": "text", "text": DEMO_QUESTION},
    ]}]});
    let r = s.client.post(s.url("/v1/chat/completions")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let trace_id = r.headers()["x-rlm-trace-id"].to_str().unwrap().to_string();
    let frames = sse_data(&r.text().await.unwrap());
    assert_eq!(frames.last().unwrap(), "[DONE]");
    let chunks = &frames[..frames.len() - 1];
    for c in chunks {
        assert_eq!(c["object"], "chat.completion.chunk", "{c}");
        assert_eq!(c["id"], chunks[0]["id"]);
        assert_eq!(c["model"], "rlm:scripted");
        assert_eq!(c["rlm_trace_id"], trace_id.as_str());
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let delta = |key: &str| -> String {
        chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"][key].as_str())
            .collect::<Vec<_>>()
            .concat()
    };
    // The root model's replies, token by token, then the answer as content.
    let reasoning = delta("reasoning_content");
    assert!(reasoning.contains("```repl") && reasoning.contains("FINAL("), "{reasoning}");
    assert!(
        chunks.iter().filter(|c| c["choices"][0]["delta"]["reasoning_content"].is_string()).count()
            > 10
    );
    assert_eq!(delta("content"), ANSWER);
    let finish: Vec<&Value> =
        chunks.iter().map(|c| &c["choices"][0]["finish_reason"]).filter(|f| !f.is_null()).collect();
    assert_eq!(finish, [&json!("stop")]);
    // include_usage: `usage: null` on every chunk but the last, which has no choices.
    let (last, rest) = chunks.split_last().unwrap();
    assert!(rest.iter().all(|c| c["usage"].is_null() && c.get("usage").is_some()));
    assert_eq!(last["choices"], json!([]));
    let (_, exec) = s.get(&format!("/api/executions/{trace_id}")).await;
    assert_eq!(last["usage"]["prompt_tokens"], exec["total_input_tokens"]);
    assert!(last["usage"]["total_tokens"].as_u64().unwrap() > 0);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_model_asks_over_the_stored_context_and_is_listed() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("docs", &corpus_text()).await;
    let (status, models) = s.get("/v1/models").await;
    assert_eq!(status, 200);
    assert_eq!(models["object"], "list");
    let ids: Vec<&str> =
        models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    let session_model = format!("rlm:session/{sid}");
    for id in ["rlm", "rlm:scripted", session_model.as_str()] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    assert!(models["data"].as_array().unwrap().iter().all(|m| m["object"] == "model"));
    let (status, one) = s.get(&format!("/v1/models/{session_model}")).await;
    assert_eq!((status, one["id"].as_str()), (200, Some(session_model.as_str())));
    let body =
        json!({"model": session_model, "messages": [{"role": "user", "content": DEMO_QUESTION}]});
    let (status, c) = s.post("/v1/chat/completions", body).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["choices"][0]["message"]["content"], ANSWER);
    let (_, exec) =
        s.get(&format!("/api/executions/{}", c["rlm_trace_id"].as_str().unwrap())).await;
    assert_eq!(exec["session_id"], sid.as_str());
    // A long message with a session is refused: its context is stored.
    let body = json!({"model": session_model, "messages": [
        {"role": "user", "content": corpus_text()}, {"role": "user", "content": "?"}]});
    let (status, e) = s.post("/v1/chat/completions", body).await;
    assert_eq!(status, 400);
    assert_openai_error(&e, Some("messages"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_and_keys_get_openai_error_objects() {
    let s = TestServer::start_with(demo_script(), |c| {
        c.api_keys = ApiKey::parse_list(&format!("alice:{KEY}")).unwrap();
    })
    .await;
    let ask =
        |model: &str| json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
    let send = |body: Value, key: Option<&str>| {
        let mut r = s.client.post(s.url("/v1/chat/completions")).json(&body);
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, e) = send(ask("rlm"), None).await;
    assert_eq!(status, 401);
    assert_openai_error(&e, None);
    assert_eq!(e["error"]["code"], "invalid_api_key");
    assert_eq!(send(ask("rlm"), Some("wrong")).await.0, 401);
    let r = s.client.get(s.url("/v1/models")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    for model in ["gpt-4o", "rlm:openai:not-offered", &format!("rlm:session/{}", uuid_like())] {
        let (status, e) = send(ask(model), Some(KEY)).await;
        assert_eq!(status, 404, "{model}: {e}");
        assert_openai_error(&e, Some("model"));
        assert_eq!(e["error"]["code"], "model_not_found");
    }
    let mut n2 = ask("rlm");
    n2["n"] = json!(2);
    let (status, e) = send(n2, Some(KEY)).await;
    assert_eq!(status, 400);
    assert_openai_error(&e, Some("n"));
    let (status, e) =
        send(json!({"model": "rlm", "messages": [{"role": "system", "content": "x"}]}), Some(KEY))
            .await;
    assert_eq!(status, 400);
    assert_openai_error(&e, Some("messages"));
    let r = s
        .client
        .post(s.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_openai_error(&r.json::<Value>().await.unwrap(), None);
    // The server's own API is unchanged beside it.
    let r = s.client.get(s.url("/api/sessions")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    s.stop().await;
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_concurrency_limit_holds_on_the_endpoint() {
    let s = TestServer::start_with(demo_script(), |c| {
        c.limits.max_concurrent_per_key = 1;
        // Slow replies keep the first execution running while the second is asked.
        c.scripted_token_delay = std::time::Duration::from_millis(20);
    })
    .await;
    let ask = |stream: bool| {
        json!({"model": "rlm", "stream": stream, "messages": [
            {"role": "user", "content": corpus_text()}, {"role": "user", "content": DEMO_QUESTION}]})
    };
    // A streamed answer's headers arrive once its execution holds the key's only slot.
    let first = s.client.post(s.url("/v1/chat/completions")).json(&ask(true)).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let r = s.client.post(s.url("/v1/chat/completions")).json(&ask(false)).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let e: Value = r.json().await.unwrap();
    assert_openai_error(&e, None);
    assert_eq!(
        (e["error"]["type"].as_str(), e["error"]["code"].as_str()),
        (Some("rate_limit_error"), Some("rate_limit_exceeded"))
    );
    drop(first);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_without_an_answer_is_an_error_object_blocking_and_streamed() {
    // The root model refuses every call with a 401 (not retried): the run fails.
    let mock = MockModel::start(|_, _| MockReply { status: 401, ..MockReply::ok("bad key") }).await;
    let env = mock.env();
    let s = TestServer::start_with(demo_script(), |c| {
        c.engine.model = "openai:mock-root".into();
        c.env = env;
    })
    .await;
    let ask = |stream: bool| json!({"model": "rlm", "stream": stream, "messages": [{"role": "user", "content": "q"}]});
    let r = s.client.post(s.url("/v1/chat/completions")).json(&ask(false)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let trace_id = r.headers()["x-rlm-trace-id"].to_str().unwrap().to_string();
    let e: Value = r.json().await.unwrap();
    assert_openai_error(&e, None);
    assert_eq!(
        (e["error"]["type"].as_str(), e["error"]["code"].as_str()),
        (Some("server_error"), Some("model_error"))
    );
    assert!(e["error"]["message"].as_str().unwrap().contains(&trace_id), "{e}");
    let (_, exec) = s.get(&format!("/api/executions/{trace_id}")).await;
    assert_eq!(exec["status"], "failed");
    // Streamed: the role chunk, then the error frame, then [DONE].
    let r = s.client.post(s.url("/v1/chat/completions")).json(&ask(true)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let frames = sse_data(&r.text().await.unwrap());
    assert_eq!(frames.last().unwrap(), "[DONE]");
    let error = &frames[frames.len() - 2];
    assert_openai_error(error, None);
    assert_eq!(error["error"]["code"], "model_error");
    assert!(frames[..frames.len() - 2].iter().all(|f| f["object"] == "chat.completion.chunk"));
    s.stop().await;
}

/// The keys of `value` against the schema `name` of the served document:
/// every required property present, and no property the schema lacks.
fn assert_fits(doc: &Value, name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][name];
    let properties = schema["properties"].as_object().unwrap_or_else(|| panic!("{name}: {schema}"));
    let object = value.as_object().unwrap_or_else(|| panic!("{name}: not an object: {value}"));
    for key in object.keys() {
        assert!(properties.contains_key(key), "{name} has no {key}: {schema}");
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let required = required.as_str().unwrap();
        assert!(object.contains_key(required), "{name} requires {required}: {value}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v1_routes_are_documented_with_the_bodies_they_answer() {
    let s = TestServer::start(demo_script()).await;
    let (status, doc) = s.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    for (path, method) in
        [("/v1/chat/completions", "post"), ("/v1/models", "get"), ("/v1/models/{model}", "get")]
    {
        assert!(doc["paths"][path][method]["responses"]["200"].is_object(), "{path}");
    }
    let chat = &doc["paths"]["/v1/chat/completions"]["post"];
    let content = &chat["responses"]["200"]["content"];
    assert!(content["application/json"].is_object() && content["text/event-stream"].is_object());
    // What the types cannot say is written in: a user message, no tools.
    let request = &doc["components"]["schemas"]["ChatRequest"]["properties"];
    assert_eq!(request["messages"]["minItems"], 1);
    assert_eq!(request["messages"]["contains"]["properties"]["role"]["const"], "user");
    assert_eq!(request["tools"]["type"], "null");
    // The bodies the server sends are the documented ones.
    let ask = json!({"model": "rlm", "messages": [{"role": "user", "content": DEMO_QUESTION}]});
    let (status, completion) = s.post("/v1/chat/completions", ask).await;
    assert_eq!(status, 200, "{completion}");
    assert_fits(&doc, "ChatCompletion", &completion);
    assert_fits(&doc, "RlmDetails", &completion["rlm"]);
    assert_fits(&doc, "ChatUsage", &completion["usage"]);
    let (status, models) = s.get("/v1/models").await;
    assert_eq!(status, 200);
    assert_fits(&doc, "ModelList", &models);
    assert_fits(&doc, "ModelObject", &models["data"][0]);
    let (status, missing) = s.get("/v1/models/gpt-4o").await;
    assert_eq!(status, 404);
    assert_fits(&doc, "OpenAiErrorBody", &missing);
    assert_fits(&doc, "OpenAiErrorObject", &missing["error"]);
    // A streamed chunk too.
    let ask = json!({"model": "rlm", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": DEMO_QUESTION}]});
    let r = s.client.post(s.url("/v1/chat/completions")).json(&ask).send().await.unwrap();
    let frames = sse_data(&r.text().await.unwrap());
    let chunks: Vec<&Value> = frames.iter().filter(|f| f.is_object()).collect();
    assert!(chunks.len() >= 3, "{frames:?}");
    for chunk in chunks {
        assert_fits(&doc, "ChatCompletionChunk", chunk);
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_whose_last_user_message_is_only_a_document_is_answered() {
    let s = TestServer::start(demo_script()).await;
    let body = json!({"model": "rlm", "messages": [
        {"role": "system", "content": DEMO_QUESTION},
        {"role": "user", "content": corpus_text()},
    ]});
    let (status, c) = s.post("/v1/chat/completions", body).await;
    assert_eq!(status, 200, "{c}");
    let id = c["rlm_trace_id"].as_str().unwrap();
    let (_, exec) = s.get(&format!("/api/executions/{id}")).await;
    assert_eq!(exec["user_query"], DEMO_QUESTION, "the instructions ask");
    s.stop().await;
}
