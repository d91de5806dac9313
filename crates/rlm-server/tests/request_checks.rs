//! Every request type refuses what it does not know and what is out of its
//! range, with a 422 JSON error naming the field; and the OpenAPI document a
//! server serves says the same as the server does: each schema's ranges are
//! accepted at their ends and refused one past them, unknown fields are
//! refused where the schema closes the object, this server's own limits are
//! written in, and bearer security is declared only when it has keys.

use crate::common;

use common::*;
use rlm_server::ApiKey;
use serde_json::{Value, json};

const KEY: &str = "checks-token-0123456789abcdef";

async fn send(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> (u16, Value) {
    let mut r = s.client.request(method, s.url(path)).json(body);
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A 422 naming `field` (its path) in `field` and in `detail`.
fn assert_field_refused(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "unprocessable", "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(body["detail"].as_str().unwrap().starts_with(field), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_and_out_of_range_numbers_are_refused_naming_the_field() {
    let s = TestServer::start(demo_script()).await;
    let post = reqwest::Method::POST;
    let sid = s.create_session("checks", "a context").await;
    // Misspelt settings are not ignored.
    for typo in ["max_step", "timeout_sec"] {
        let body = json!({"name": "x", "context": "c", "settings": {typo: 5}});
        let (status, out) = send(&s, post.clone(), "/api/sessions", &body, None).await;
        assert_eq!(status, 422, "{out}");
        assert!(out["field"].as_str().unwrap().starts_with("settings"), "{out}");
        let detail = out["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("unknown field `{typo}`")), "{detail}");
    }
    // Numbers out of their range, 2^64 included (a JSON parser reads it as a float).
    for (field, value) in [
        ("max_steps", json!(18446744073709551616.0)),
        ("max_steps", serde_json::from_str::<Value>("18446744073709551616").unwrap()),
        ("max_steps", json!(u64::MAX)),
        ("max_steps", json!(0)),
        ("max_steps", json!(-1)),
        ("max_steps", json!(2.5)),
        ("max_steps", json!("5")),
        ("max_subcalls", json!(10_000_001)),
        ("max_depth", json!(11)),
        ("timeout_secs", json!(0)),
        ("max_total_tokens", json!(9_007_199_254_740_992u64)),
        ("max_total_cost_usd", json!(-0.5)),
    ] {
        let body = json!({"settings": {field: value}});
        let (status, out) =
            send(&s, reqwest::Method::PUT, &format!("/api/sessions/{sid}"), &body, None).await;
        assert_field_refused(status, &out, &format!("settings.{field}"));
    }
    // Whole numbers written as floats are whole numbers.
    let body = json!({"settings": {"max_steps": 5.0, "timeout_secs": 30}});
    let (status, out) =
        send(&s, reqwest::Method::PUT, &format!("/api/sessions/{sid}"), &body, None).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["settings"]["max_steps"], 5);
    // This server's own time limit (600 s by default) is its own check, same answer.
    let body = json!({"settings": {"timeout_secs": 601}});
    let (status, out) =
        send(&s, reqwest::Method::PUT, &format!("/api/sessions/{sid}"), &body, None).await;
    assert_field_refused(status, &out, "settings.timeout_secs");
    assert!(out["detail"].as_str().unwrap().contains("600"), "{out}");
    // Multipart settings go through the same checks.
    let form = reqwest::multipart::Form::new()
        .text("name", "upload")
        .text("settings", r#"{"max_steps": 18446744073709551616}"#)
        .part("files", reqwest::multipart::Part::text("text").file_name("a.txt"));
    let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    assert_field_refused(status, &r.json().await.unwrap(), "settings.max_steps");
    // Every other request type refuses unknown fields too.
    for (path, body) in [
        ("/api/execute".to_string(), json!({"session_id": sid, "user_query": "q", "modle": "x"})),
        ("/api/execute/stream".to_string(), json!({"session_id": sid, "user_query": "q", "x": 1})),
        ("/api/jobs".to_string(), json!({"session_id": sid, "user_query": "q", "priority": 1})),
        (format!("/api/sessions/{sid}/memory"), json!({"key": "k", "value": 1, "ttl": 5})),
        ("/api/sessions".to_string(), json!({"name": "n", "contxt": "c"})),
    ] {
        let (status, out) = send(&s, post.clone(), &path, &body, None).await;
        assert_eq!(status, 422, "{path}: {out}");
        assert!(out["detail"].as_str().unwrap().contains("unknown field"), "{path}: {out}");
    }
    // Wrong types name their field; a blank question names `user_query`.
    let (status, out) =
        send(&s, post.clone(), "/api/execute", &json!({"session_id": 5, "user_query": "q"}), None)
            .await;
    assert_field_refused(status, &out, "session_id");
    let (status, out) = send(
        &s,
        post.clone(),
        "/api/execute",
        &json!({"session_id": sid, "user_query": "  "}),
        None,
    )
    .await;
    assert_field_refused(status, &out, "user_query");
    // Query strings: unknown parameters are refused as well (400, like a bad value).
    let (status, out) = s.get("/api/executions?limit=5&sessionid=x").await;
    assert_eq!(status, 400, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("sessionid"), "{out}");
    // Malformed JSON is 400, not 422.
    let r = s
        .client
        .post(s.url("/api/execute"))
        .header("content-type", "application/json")
        .body("{\"user_query\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    s.stop().await;
}

/// The integer properties of `schema` with both bounds: `(name, minimum, maximum)`.
fn bounded_integers(schema: &Value) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    for (name, p) in schema["properties"].as_object().unwrap() {
        let is_integer = p["type"] == "integer"
            || p["type"].as_array().is_some_and(|t| t.iter().any(|t| t == "integer"));
        if let (true, Some(min), Some(max)) =
            (is_integer, p["minimum"].as_i64(), p["maximum"].as_i64())
        {
            out.push((name.clone(), min, max));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_agrees_with_the_server() {
    let s = TestServer::start_with(demo_script(), |c| {
        c.limits.max_query_chars = 123;
        c.limits.max_execution = std::time::Duration::from_secs(77);
        c.limits.execution.max_steps = Some(40);
    })
    .await;
    let (status, doc) = s.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    let schemas = &doc["components"]["schemas"];
    // Every request body is a closed object.
    for shape in
        ["ExecutionCreate", "JobCreate", "SessionCreate", "MemorySetRequest", "SessionSettings"]
    {
        assert_eq!(schemas[shape]["additionalProperties"], false, "{shape}: {}", schemas[shape]);
    }
    // This server's limits are written in.
    assert_eq!(schemas["ExecutionCreate"]["properties"]["user_query"]["maxLength"], 123);
    assert_eq!(schemas["JobCreate"]["properties"]["user_query"]["maxLength"], 123);
    let settings = &schemas["SessionSettings"];
    assert_eq!(settings["properties"]["timeout_secs"]["maximum"], 77);
    assert_eq!(settings["properties"]["max_steps"]["maximum"], 40);
    // Each bounded setting: both ends accepted, one past either end refused.
    let sid = s.create_session("doc", "a context").await;
    let bounded = bounded_integers(settings);
    let names: Vec<&str> = bounded.iter().map(|b| b.0.as_str()).collect();
    for expected in ["max_steps", "max_subcalls", "max_depth", "timeout_secs", "max_total_tokens"] {
        assert!(names.contains(&expected), "{expected} has no range in {settings}");
    }
    for (name, min, max) in &bounded {
        for (value, ok) in [(*min, true), (*max, true), (*min - 1, false), (*max + 1, false)] {
            let body = json!({"settings": {name.as_str(): value}});
            let (status, out) =
                send(&s, reqwest::Method::PUT, &format!("/api/sessions/{sid}"), &body, None).await;
            if ok {
                assert_eq!(status, 200, "{name} = {value}: {out}");
            } else {
                assert_field_refused(status, &out, &format!("settings.{name}"));
            }
        }
    }
    // The question's length: the limit accepted, one more refused (a session
    // without context answers 400 after the checks).
    let empty = s.create_session_without_context().await;
    let ask = |n: usize| json!({"session_id": empty, "user_query": "q".repeat(n)});
    let (status, out) = send(&s, reqwest::Method::POST, "/api/execute", &ask(123), None).await;
    assert_eq!(status, 400, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("no context"), "{out}");
    let (status, out) = send(&s, reqwest::Method::POST, "/api/execute", &ask(124), None).await;
    assert_field_refused(status, &out, "user_query");
    // Without keys nothing is protected, and the document says so.
    let secured =
        |doc: &Value| {
            doc["paths"].as_object().unwrap().values().any(|item| {
                item.as_object().unwrap().values().any(|op| op.get("security").is_some())
            })
        };
    assert!(!secured(&doc));
    assert!(doc["components"].get("securitySchemes").is_none());
    s.stop().await;

    let s = TestServer::start_with(demo_script(), |c| {
        c.api_keys = ApiKey::parse_list(&format!("checks:{KEY}")).unwrap();
    })
    .await;
    let (status, doc) = s.get("/api/openapi.json").await;
    assert_eq!(status, 200, "the document is open");
    assert!(secured(&doc));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let ops = doc["paths"]["/api/sessions"]["get"].clone();
    assert!(ops["responses"]["401"].is_object(), "{ops}");
    let (status, _) = send(&s, reqwest::Method::GET, "/api/sessions", &Value::Null, None).await;
    assert_eq!(status, 401);
    let (status, _) =
        send(&s, reqwest::Method::GET, "/api/sessions", &Value::Null, Some(KEY)).await;
    assert_eq!(status, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_documents_are_documented_as_the_text_the_server_reads() {
    let s = TestServer::start(demo_script()).await;
    let (_, doc) = s.get("/api/openapi.json").await;
    let files = &doc["components"]["schemas"]["SessionUpload"]["properties"]["files"];
    // Text parts, not binary ones (the server reads a part's bytes as
    // UTF-8): one part, or several.
    let one = &files["anyOf"][0];
    let several = &files["anyOf"][1]["items"];
    for text in [one, several] {
        assert_eq!(text["type"], "string", "{files}");
        assert!(text.get("format").is_none(), "{files}");
    }
    // A part without a file name is a document whatever its text looks like
    // (`{}` is two characters, not an object), and each part is one document.
    let form = reqwest::multipart::Form::new()
        .text("files", "{}")
        .text("files", "0")
        .part("files", reqwest::multipart::Part::text("named").file_name("a.txt"));
    let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["context_metadata"]["documents"], 3, "{session}");
    // Bytes that are not UTF-8 are refused, whether or not the part names a file.
    for part in [
        reqwest::multipart::Part::bytes(vec![0xff, 0xfe, 0x00]),
        reqwest::multipart::Part::bytes(vec![0xc3]).file_name("b.bin"),
    ] {
        let form = reqwest::multipart::Form::new().part("files", part);
        let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("not UTF-8"), "{body}");
    }
    s.stop().await;
}
