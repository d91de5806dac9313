//! The server in process, driven by rmcp's own client over an in-memory
//! pipe, with engines on the scripted fake model: the six tools and their
//! schemas, answers and tool-level errors, progress per step, sessions, the
//! resources, and a cancel that stops a run under way. (`rlm mcp` itself is
//! driven by the official Python client in rlm-cli's `tests/mcp.rs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rlm_adapters::{FakeAdapter, FakeReply, FakeReplySpec, FakeScript};
use rlm_context::Context;
use rlm_core::Rlm;
use rlm_mcp::{EngineError, Engines, RlmServer};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ProgressNotificationParam,
    ReadResourceRequestParams, Request,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// Engines on a scripted root model: a program that prints the context's
/// length, then a FINAL naming it; `slow` waits a minute before replying.
struct ScriptedEngines {
    slow: bool,
}

impl Engines for ScriptedEngines {
    fn engine(&self, _sources: &[String]) -> Result<Rlm, EngineError> {
        let root = if self.slow {
            FakeAdapter::scripted(FakeScript {
                replies: vec![FakeReply::Full(FakeReplySpec {
                    text: "FINAL(too late)".into(),
                    delay_ms: Some(60_000),
                    ..FakeReplySpec::default()
                })],
                ..FakeScript::default()
            })
            .map_err(|e| EngineError::new(e.to_string()))?
        } else {
            FakeAdapter::replies([
                "```repl\nn = len(context)\nprint(n)\n```",
                "```repl\nFINAL(f'{n} chars')\n```",
            ])
        };
        Rlm::builder().root(Arc::new(root)).build().map_err(|e| EngineError::new(e.to_string()))
    }

    fn context(&self, sources: &[String], _: u64) -> Result<Context, EngineError> {
        if let Some(bad) = sources.iter().find(|s| s.starts_with("missing")) {
            return Err(EngineError::new(format!("{bad}: no such file or folder")));
        }
        Ok(Context::from_text(sources.join(" ")))
    }
}

/// A client that counts progress notifications and wakes a waiter on each.
#[derive(Clone, Default)]
struct Client {
    progress: Arc<AtomicUsize>,
    notified: Arc<tokio::sync::Notify>,
}

impl ClientHandler for Client {
    async fn on_progress(
        &self,
        _params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.fetch_add(1, Ordering::SeqCst);
        self.notified.notify_one();
    }
}

async fn connect(slow: bool) -> (RunningService<RoleClient, Client>, Client) {
    let server = RlmServer::new(Arc::new(ScriptedEngines { slow }));
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = Client::default();
    let running = client.clone().serve(client_io).await.unwrap();
    (running, client)
}

fn call(name: &'static str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(map) = arguments else { panic!("arguments must be an object") };
    CallToolRequestParams::new(name).with_arguments(map)
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect()
}

async fn read(client: &RunningService<RoleClient, Client>, uri: &str) -> Value {
    let result = client.read_resource(ReadResourceRequestParams::new(uri)).await.unwrap();
    let text =
        serde_json::to_value(&result.contents[0]).unwrap()["text"].as_str().unwrap().to_string();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers_and_reports_progress() {
    let (client, handler) = connect(false).await;
    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "rlm_ask",
            "rlm_exec",
            "rlm_search",
            "rlm_session_ask",
            "rlm_session_close",
            "rlm_session_create",
            "rlm_session_list"
        ]
    );
    let ask = tools.iter().find(|t| t.name == "rlm_ask").unwrap();
    assert_eq!(ask.input_schema["required"], json!(["question"]), "{:?}", ask.input_schema);

    let result = client
        .call_tool(call("rlm_ask", json!({"question": "how long?", "text": "hello world"})))
        .await
        .unwrap();
    assert_eq!(text(&result), "11 chars");
    assert_eq!(result.is_error, Some(false));
    let doc = result.structured_content.clone().unwrap();
    assert_eq!((doc["steps"].as_u64(), doc["usage"]["root_calls"].as_u64()), (Some(2), Some(2)));
    // run started, step 1, a program, step 2, a program, final answer.
    assert!(
        handler.progress.load(Ordering::SeqCst) >= 5,
        "{}",
        handler.progress.load(Ordering::SeqCst)
    );

    let trace = read(&client, doc["trace_uri"].as_str().unwrap()).await;
    assert!(trace.to_string().contains("11 chars"), "{trace}");
    let missing = client.read_resource(ReadResourceRequestParams::new("rlm://traces/nope")).await;
    assert!(missing.is_err());

    let result = client
        .call_tool(call("rlm_ask", json!({"question": "q", "paths": ["missing.txt"]})))
        .await
        .unwrap();
    assert_eq!(
        (result.is_error, text(&result)),
        (Some(true), "missing.txt: no such file or folder".into())
    );

    let result = client
        .call_tool(call(
            "rlm_exec",
            json!({"program": "print(context[:5])\nFINAL(len(context))", "text": "hello world"}),
        ))
        .await
        .unwrap();
    let doc = result.structured_content.unwrap();
    assert_eq!((doc["stdout"].as_str(), doc["final"].as_str()), (Some("hello\n"), Some("11")));
    let result = client.call_tool(call("rlm_exec", json!({"program": "[].pop()"}))).await.unwrap();
    let doc = result.structured_content.unwrap();
    assert_eq!((result.is_error, doc["error"]["type"].as_str()), (Some(true), Some("IndexError")));

    let refused =
        client.call_tool(call("rlm_search", json!({"path": "x", "query": "q", "k": 0}))).await;
    assert!(refused.is_err(), "k = 0 is a bad argument");

    let created = client
        .call_tool(call("rlm_session_create", json!({"name": "s", "text": "abc"})))
        .await
        .unwrap();
    let id = created.structured_content.unwrap()["session_id"].as_str().unwrap().to_string();
    let answered = client
        .call_tool(call("rlm_session_ask", json!({"session_id": id, "question": "how long?"})))
        .await
        .unwrap();
    assert_eq!(text(&answered), "3 chars");
    let listed = read(&client, "rlm://sessions").await;
    assert_eq!(listed["sessions"][0]["session_id"].as_str(), Some(id.as_str()));
    assert_eq!(listed["sessions"][0]["executions"].as_u64(), Some(1));
    let traces = read(&client, "rlm://traces").await;
    assert_eq!(traces["traces"].as_array().map(Vec::len), Some(2), "{traces}");
    let closed =
        client.call_tool(call("rlm_session_close", json!({"session_id": id}))).await.unwrap();
    assert_eq!(closed.is_error, Some(false), "{}", text(&closed));
    let listed = read(&client, "rlm://sessions").await;
    assert_eq!(listed["sessions"].as_array().map(Vec::len), Some(0), "{listed}");
    let again =
        client.call_tool(call("rlm_session_close", json!({"session_id": id}))).await.unwrap();
    assert_eq!((again.is_error, text(&again)), (Some(true), format!("no session {id:?}")));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_cancels_the_run() {
    let (client, handler) = connect(true).await;
    let request = ClientRequest::CallToolRequest(Request::new(call(
        "rlm_ask",
        json!({"question": "slow", "text": "abc"}),
    )));
    let notified = handler.notified.notified();
    let pending =
        client.send_request_with_option(request, PeerRequestOptions::no_options()).await.unwrap();
    // The first notification: the run is under way.
    notified.await;
    pending.cancel(Some("test".into())).await.unwrap();
    let finish = loop {
        let traces = read(&client, "rlm://traces").await;
        if let Some(t) = traces["traces"].as_array().and_then(|a| a.first()) {
            break t["finish"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(finish, "cancelled");
    client.cancel().await.unwrap();
}

/// `rlm_ask`'s `output_schema` (issue #57): the answer is JSON matching it; a
/// schema that does not compile is the tool's error; an answer that cannot
/// match never comes back as a success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_ask_holds_the_answer_to_its_output_schema() {
    let (client, _) = connect(false).await;
    let ask = |schema: Value| {
        call(
            "rlm_ask",
            json!({"question": "how long?", "text": "hello world", "output_schema": schema}),
        )
    };
    let result = client.call_tool(ask(json!({"type": "string"}))).await.unwrap();
    assert_eq!(result.is_error, Some(false), "{}", text(&result));
    assert_eq!(text(&result), "\"11 chars\"");
    let bad = client.call_tool(ask(json!({"type": 12}))).await.unwrap();
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text(&bad).contains("the output schema of output_schema is not valid"),
        "{}",
        text(&bad)
    );
    let unmet = client.call_tool(ask(json!({"type": "integer"}))).await.unwrap();
    assert_eq!(unmet.is_error, Some(true), "{}", text(&unmet));
    let tools = client.list_all_tools().await.unwrap();
    let schema = &tools.iter().find(|t| t.name == "rlm_ask").unwrap().input_schema;
    assert!(schema["properties"]["output_schema"].is_object(), "{schema:?}");
}
