//! Bad input gets a clear 4xx and the server keeps serving: missing and
//! wrong keys, another key's session, oversize bodies, malformed JSON,
//! refused paths, limits; model failures surface as failed executions
//! without leaking the provider key.

use crate::common;

use std::time::Duration;

use common::*;
use rlm_server::ApiKey;
use serde_json::{Value, json};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdefgh";

async fn with_keys() -> TestServer {
    TestServer::start_with(demo_script(), |c| {
        c.api_keys = ApiKey::parse_list(&format!("alice:{ALICE},bob:{BOB}")).unwrap();
        c.limits.max_body_bytes = 64 * 1024;
        c.limits.max_query_chars = 100;
    })
    .await
}

async fn call(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut r = s.client.request(method, s.url(path));
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), headers)
}

fn detail(v: &Value) -> &str {
    v["detail"].as_str().unwrap_or_else(|| panic!("no detail in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_ownership_and_bad_bodies_get_clear_4xx() {
    let s = with_keys().await;
    use reqwest::Method;
    // Missing and wrong keys.
    let (status, body, headers) = call(&s, Method::GET, "/api/sessions", None, None).await;
    assert_eq!(status, 401);
    assert!(detail(&body).contains("Authorization: Bearer"));
    assert_eq!(headers["www-authenticate"], "Bearer");
    let (status, body, _) =
        call(&s, Method::GET, "/api/sessions", Some("not-a-key-at-all-xxxxx"), None).await;
    assert_eq!(status, 401);
    assert!(!body.to_string().contains("not-a-key"), "the key is not echoed");
    // Open routes need no key.
    assert_eq!(call(&s, Method::GET, "/healthz", None, None).await.0, 200);
    assert_eq!(call(&s, Method::GET, "/api/openapi.json", None, None).await.0, 200);

    // Alice's session is invisible to Bob.
    let (status, created, _) = call(
        &s,
        Method::POST,
        "/api/sessions",
        Some(ALICE),
        Some(json!({"name": "a", "context": "alice's text"})),
    )
    .await;
    assert_eq!(status, 200);
    let sid = created["id"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/sessions/{sid}")),
        (Method::GET, format!("/api/sessions/{sid}/memory")),
        (Method::DELETE, format!("/api/sessions/{sid}")),
    ] {
        let (status, body, _) = call(&s, method, &path, Some(BOB), None).await;
        assert_eq!(status, 404, "{path}");
        assert!(detail(&body).contains("no session"));
    }
    let (status, body, _) = call(
        &s,
        Method::POST,
        "/api/execute",
        Some(BOB),
        Some(json!({"session_id": sid, "user_query": "hi"})),
    )
    .await;
    assert_eq!((status, detail(&body).contains("no session")), (404, true));
    let (_, list, _) = call(&s, Method::GET, "/api/sessions", Some(BOB), None).await;
    assert_eq!(list["total"], 0);
    let (_, list, _) = call(&s, Method::GET, "/api/sessions", Some(ALICE), None).await;
    assert_eq!(list["total"], 1);

    // Oversize body, malformed JSON, wrong content type, unknown fields, long query.
    let big = "x".repeat(100 * 1024);
    let (status, body, _) =
        call(&s, Method::POST, "/api/sessions", Some(ALICE), Some(json!({"context": big}))).await;
    assert_eq!(status, 413);
    assert!(detail(&body).contains("the request body is too large: 102414 bytes"), "{body}");
    let r = s
        .client
        .post(s.url("/api/sessions"))
        .bearer_auth(ALICE)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(detail(&body).contains("JSON"), "{body}");
    assert_eq!(body["code"], "bad_request");
    let r = s
        .client
        .post(s.url("/api/execute"))
        .bearer_auth(ALICE)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let (status, body, _) = call(
        &s,
        Method::POST,
        "/api/execute",
        Some(ALICE),
        Some(json!({"session_id": sid, "query": "typo"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(detail(&body).contains("unknown field"), "{body}");
    let (status, body, _) = call(
        &s,
        Method::POST,
        "/api/execute",
        Some(ALICE),
        Some(json!({"session_id": sid, "user_query": "q".repeat(101)})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(detail(&body).contains("limit is 100"));
    let (status, body, _) =
        call(&s, Method::GET, "/api/sessions/not-a-uuid", Some(ALICE), None).await;
    assert_eq!(status, 400, "{body}");
    let (status, body, _) = call(
        &s,
        Method::POST,
        "/api/execute",
        Some(ALICE),
        Some(json!({"session_id": sid, "user_query": "q", "model": "fake:script:/etc/passwd"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("not offered"));
    // Server-side paths are off unless allowed.
    let (status, body, _) =
        call(&s, Method::POST, "/api/sessions", Some(ALICE), Some(json!({"paths": ["x"]}))).await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("--allow-path"));

    // After all that, the server still serves.
    let (status, exec, _) = call(
        &s,
        Method::POST,
        "/api/execute",
        Some(ALICE),
        Some(json!({"session_id": sid, "user_query": "How long?"})),
    )
    .await;
    assert_eq!(status, 200, "{exec}");
    assert_eq!(call(&s, Method::GET, "/readyz", None, None).await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_cannot_leave_the_allowed_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("docs")).unwrap();
    std::fs::write(root.path().join("docs/a.txt"), "alpha").unwrap();
    std::fs::write(root.path().join("docs/b.txt"), "beta").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), root.path().join("escape")).unwrap();
    let allowed = root.path().to_path_buf();
    let s = TestServer::start_with(demo_script(), |c| c.allowed_path_root = Some(allowed)).await;
    for bad in ["../secret.txt", "/etc/passwd", "docs/../../x", "escape/secret.txt", "missing"] {
        let (status, body) = s.post("/api/sessions", json!({"paths": [bad]})).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(!body.to_string().contains("secret\""), "{body}");
    }
    let (status, body) = s.post("/api/sessions", json!({"name": "docs", "paths": ["docs"]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["context_metadata"]["documents"], 2);
    assert_eq!(body["context_metadata"]["size"], "alpha\n\nbeta".len());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_files_become_documents() {
    let s = TestServer::start(one_program_script(
        "result = str(ctx.num_documents()) + ' ' + ctx.get_document(1)",
    ))
    .await;
    let form = reqwest::multipart::Form::new()
        .text("name", "upload")
        .text("settings", r#"{"max_steps": 5}"#)
        .part("files", reqwest::multipart::Part::text("first file").file_name("a.txt"))
        .part("files", reqwest::multipart::Part::text("second ✓ file").file_name("b.txt"));
    let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["context_metadata"]["documents"], 2);
    assert_eq!(session["settings"]["max_steps"], 5);
    let (_, exec) =
        s.post("/api/execute", json!({"session_id": session["id"], "user_query": "docs?"})).await;
    assert_eq!(exec["final_result"], "2 second ✓ file", "{exec}");
    let form = reqwest::multipart::Form::new()
        .part("files", reqwest::multipart::Part::bytes(vec![0xff, 0xfe]).file_name("bin.dat"));
    let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("not UTF-8"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_concurrency_and_session_budgets_are_enforced() {
    let mock = MockModel::start(|_, _| MockReply {
        delay: Duration::from_millis(800),
        ..MockReply::ok("x")
    })
    .await;
    let s = TestServer::start_with(one_program_script("result = llm_query('slow')"), |c| {
        mock.as_sub_model(c);
        c.limits.max_concurrent_per_key = 1;
    })
    .await;
    let a = s.create_session("a", "ctx").await;
    let b = s.create_session("b", "ctx").await;
    let first = {
        let (client, url, a) = (s.client.clone(), s.url("/api/execute"), a.clone());
        tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"session_id": a, "user_query": "1"}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    // Wait until the first execution holds the key's only slot (its subcall takes 0.8 s).
    for _ in 0..200 {
        let (_, list) = s.get("/api/executions").await;
        if list["executions"][0]["status"] == "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = s
        .client
        .post(s.url("/api/execute"))
        .json(&json!({"session_id": b, "user_query": "2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(first.await.unwrap(), 200);

    // Each execution makes three model calls (two root calls, one subcall): a
    // session budget of six calls lets one more run, then refuses the next.
    let (_, session) = s.get(&format!("/api/sessions/{a}")).await;
    assert_eq!(
        (&session["spend"]["root_calls"], &session["spend"]["calls"]),
        (&json!(2), &json!(1))
    );
    let r = s
        .client
        .put(s.url(&format!("/api/sessions/{a}")))
        .json(&json!({"settings": {"max_total_calls": 6}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, exec) =
        s.post("/api/execute", json!({"session_id": a, "user_query": "again"})).await;
    assert_eq!((status, exec["status"].as_str()), (200, Some("completed")), "{exec}");
    let (status, refused) =
        s.post("/api/execute", json!({"session_id": a, "user_query": "more"})).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("budget_exhausted")), "{refused}");
    assert_eq!(
        detail(&refused),
        "the session's model calls budget is spent (6 of 6); no further execution can start"
    );
    // Refused before anything was recorded: no execution, nothing spent.
    let (_, list) = s.get(&format!("/api/executions?session_id={a}")).await;
    assert_eq!(list["total"], 2, "{list}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_past_its_time_limit_is_stopped() {
    let mock = MockModel::slow(Duration::from_secs(30)).await;
    let s = TestServer::start_with(
        one_program_script("result = llm_query('never answers in time')"),
        |c| {
            mock.as_sub_model(c);
        },
    )
    .await;
    let (status, session) = s
        .post(
            "/api/sessions",
            json!({"name": "t", "context": "ctx", "settings": {"timeout_secs": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let started = std::time::Instant::now();
    let (_, exec) =
        s.post("/api/execute", json!({"session_id": session["id"], "user_query": "q"})).await;
    assert_eq!(exec["status"], "failed", "{exec}");
    // The loop's own wall-time budget stops it (finalized at its soft limit, or best
    // effort at the hard one), or the server's hard stop does.
    let finish = exec["finish"].as_str().unwrap();
    assert!(matches!(finish, "finalized" | "best_effort" | "timeout"), "{exec}");
    let message = exec["error_message"].as_str().unwrap();
    assert!(message.contains("time") || message.contains("wall"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20), "stopped long before the model answered");
    // CORS is off by default: no allow-origin header, even when asked.
    let r = s
        .client
        .get(s.url("/api/sessions"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_failures_fail_the_execution_without_leaking_the_key() {
    // Root model: the mock. First a 429 with a short retry hint (retried), then
    // a program, then a 401 on the next call (not retried: the run fails).
    let mock = MockModel::start(|n, _| match n {
        0 => MockReply {
            status: 429,
            headers: vec![("retry-after-ms".into(), "5".into())],
            ..MockReply::ok("slow down")
        },
        1 => MockReply::ok("```repl\nprint(len(context))\n```"),
        _ => MockReply {
            status: 401,
            ..MockReply::ok("invalid api key sk-test-SECRET-0123456789abcdef")
        },
    })
    .await;
    let env = mock.env();
    let s = TestServer::start_with(demo_script(), |c| {
        c.engine.model = "openai:mock-root".into();
        c.env = env;
    })
    .await;
    let sid = s.create_session("fail", "some text").await;
    let (status, exec) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "q"})).await;
    assert_eq!(status, 200);
    assert_eq!(exec["status"], "failed", "{exec}");
    assert_eq!(exec["finish"], "model_error");
    assert!(exec["error_message"].as_str().unwrap().contains("authentication failed"), "{exec}");
    assert!(exec["retries"].as_u64().unwrap() >= 1);
    let eid = exec["id"].as_str().unwrap();
    let trace = s
        .client
        .get(s.url(&format!("/api/executions/{eid}/trace")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let detail_body = s.get(&format!("/api/executions/{eid}")).await.1.to_string();
    for text in [&exec.to_string(), &trace, &detail_body] {
        assert!(!text.contains("SECRET-0123456789abcdef"), "the provider key leaked: {text}");
    }
    let metrics = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("rlm_executions_total{status=\"failed\"} 1"), "{metrics}");
    assert!(metrics.contains("rlm_retries_total{reason="), "{metrics}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_details_bearer_case_405_bodies_and_bounded_ids() {
    let s = with_keys().await;
    // The scheme's name is case-insensitive.
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = s
            .client
            .get(s.url("/api/sessions"))
            .header("authorization", format!("{scheme} {ALICE}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "scheme {scheme}");
    }
    let r = s
        .client
        .get(s.url("/api/sessions"))
        .header("authorization", format!("Basic {ALICE}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A route asked with a method it does not take: 405 with a JSON body.
    let (status, body, headers) =
        call(&s, reqwest::Method::PUT, "/api/sessions", Some(ALICE), None).await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["code"], "method_not_allowed");
    assert!(detail(&body).contains("PUT"), "{body}");
    assert!(headers.get("allow").is_some(), "{headers:?}");
    // A huge bad id is not echoed back whole.
    let id = "x".repeat(65_000);
    let (status, body, _) =
        call(&s, reqwest::Method::GET, &format!("/api/sessions/{id}"), Some(ALICE), None).await;
    assert_eq!(status, 400, "{body}");
    let d = detail(&body);
    assert!(d.chars().count() < 400, "{} characters", d.chars().count());
    assert!(d.contains("characters in all"), "{d}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_each_key_only_its_own_executions() {
    const OPS: &str = "ops-key-0123456789abcdef";
    let s = TestServer::start_with(demo_script(), |c| {
        c.api_keys = ApiKey::parse_list(&format!("alice:{ALICE},bob:{BOB},ops:{OPS}")).unwrap();
        c.operator_keys = vec!["ops".into()];
    })
    .await;
    let metrics = |key: &'static str| {
        let r = s.client.get(s.url("/metrics")).bearer_auth(key).send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let (status, session, _) = call(
        &s,
        reqwest::Method::POST,
        "/api/sessions",
        Some(ALICE),
        Some(json!({"name": "a", "context": corpus_text()[..2000].to_string()})),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let sid = session["id"].as_str().unwrap();
    let (status, done, _) = call(
        &s,
        reqwest::Method::POST,
        "/api/execute",
        Some(ALICE),
        Some(json!({"session_id": sid, "user_query": "errors?"})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let alice = metrics(ALICE).await;
    let bob = metrics(BOB).await;
    let line = |text: &str, name: &str| {
        text.lines().find(|l| l.starts_with(name)).map(str::to_string).unwrap_or_default()
    };
    assert!(alice.contains("rlm_executions_total{status=\"completed\"} 1"), "{alice}");
    assert!(alice.contains("rlm_model_calls_total{model=\"fake:scripted-demo\"}"), "{alice}");
    // Bob's key sees none of it: no execution, no model, no tokens.
    assert!(!bob.contains("rlm_executions_total{"), "{bob}");
    assert!(!bob.contains("fake:scripted-demo"), "{bob}");
    assert_eq!(line(&bob, "rlm_tokens_total"), "", "{bob}");
    assert_eq!(line(&bob, "rlm_cost_usd_total"), "rlm_cost_usd_total 0.0", "{bob}");
    assert!(alice.contains("rlm_cost_usd_total"), "{alice}");
    // Neither sees the deployment's series (every tenant's jobs): an operator key does.
    assert!(!bob.contains("rlm_jobs_queued") && !alice.contains("rlm_jobs_"), "{bob}");
    let ops = metrics(OPS).await;
    assert!(ops.contains("rlm_jobs_queued 0") && ops.contains("rlm_outbox_backlog"), "{ops}");
    assert!(
        !ops.contains("fake:scripted-demo"),
        "an operator sees load, not a tenant's runs: {ops}"
    );
    assert_eq!(s.client.get(s.url("/metrics")).send().await.unwrap().status(), 401);
    s.stop().await;
}
