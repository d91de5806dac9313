//! `rlm serve` through its HTTP API: every knob's effect, or its start-up warning.

use super::*;

pub(super) struct Serve {
    pub(super) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(super) base: String,
    stderr: String,
    /// The probe's folder (its data folder `data`).
    pub(super) dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rlm serve` with the row's script; `Err(stderr)` when it exits instead of
/// listening (a refused setting).
pub(super) fn start_serve(row: &Row, way: Way, with_knob: bool) -> Result<Serve, String> {
    start_serve_in(probe_dir(row), row, way, with_knob)
}

/// [`start_serve`] in the probe folder `dir` (made by [`probe_dir`]).
pub(super) fn start_serve_in(
    dir: tempfile::TempDir,
    row: &Row,
    way: Way,
    with_knob: bool,
) -> Result<Serve, String> {
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["serve", "--bind", "127.0.0.1:0", "--data", "data", "--script", "script.json"]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    let mut child =
        c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn rlm serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                if let Some(addr) = line.strip_prefix("rlm serve: listening on ") {
                    // Later lines are JSON logs: keep draining them.
                    std::thread::spawn(move || while rx.recv().is_ok() {});
                    return Ok(Serve { child, base: addr.to_string(), stderr: seen, dir });
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(seen);
            }
        }
    }
}

/// One scripted execution through the HTTP API: its answer, its programs'
/// errors and its prompts.
pub(super) async fn serve_execute(serve: &Serve) -> Observed {
    let client = reqwest::Client::new();
    let body: Value = client
        .post(format!("{}/api/execute", serve.base))
        .json(&json!({"user_query": "what does the context say?", "context": "a small context"}))
        .send()
        .await
        .expect("POST /api/execute")
        .json()
        .await
        .expect("JSON answer");
    let id = body["id"].as_str().unwrap_or_default();
    let trace = client
        .get(format!("{}/api/executions/{id}/trace", serve.base))
        .send()
        .await
        .expect("GET trace")
        .text()
        .await
        .unwrap_or_default();
    observed_in(body["final_result"].as_str().map(str::to_string), &trace)
}

/// A `POST` of `body` to `path` on a raw socket whose answer is left
/// unread: the caller holds the request open, or leaves by dropping the
/// socket (no client pools or retries it behind the probe's back).
pub(super) fn post_raw(serve: &Serve, path: &str, body: &Value) -> TcpStream {
    let addr = serve.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect to rlm serve");
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).expect("send the request");
    stream
}

/// The id of the execution the server runs now, once it runs.
pub(super) async fn running_execution(serve: &Serve) -> String {
    for _ in 0..400 {
        let list: Value = reqwest::get(format!("{}/api/executions", serve.base))
            .await
            .expect("GET /api/executions")
            .json()
            .await
            .unwrap_or_default();
        let executions = list["executions"].as_array().cloned().unwrap_or_default();
        if let Some(running) = executions.iter().find(|e| e["status"] == "running") {
            return running["id"].as_str().unwrap_or_default().to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no execution is running");
}

/// An execution's record once it ended (its `status`, ...).
pub(super) async fn ended_execution(serve: &Serve, id: &str) -> Value {
    for _ in 0..1200 {
        let record: Value = reqwest::get(format!("{}/api/executions/{id}", serve.base))
            .await
            .expect("GET /api/executions/{id}")
            .json()
            .await
            .unwrap_or_default();
        if !matches!(record["status"].as_str(), Some("running" | "pending") | None) {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("execution {id} still runs after two minutes");
}

/// One scripted execution through the HTTP API, with the span exports of
/// the server (`with_knob`: the row's knob set).
pub(super) async fn serve_observed(row: &Row, serve: &Serve, with_knob: bool) -> Observed {
    let observed = serve_execute(serve).await;
    let dir = serve.dir.path();
    let exported = exported_by_a_server(row, with_knob, dir).await;
    let provider = provider_requests(dir);
    Observed { exported, redis_keys: redis_keys_of(row, dir), provider, ..observed }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn every_knob_reaches_rlm_serve_through_the_http_api_or_is_named_at_start_up() {
    for row in table().iter() {
        let serves = row.honoured_by("serve-api");
        // Every knob is set all three ways (a flag, RLM_*, rlm.toml).
        let ways = WAYS.to_vec();
        let mut control: Option<Observed> = None;
        for way in ways {
            let what = format!("rlm serve, {} = {:?} as {way:?}", row.key, row.value);
            let serve = match start_serve(row, way, true) {
                Ok(s) => s,
                Err(stderr) => {
                    // Refusing to start is allowed only for an unsupported knob, naming it.
                    assert!(
                        !serves && warning_names(&stderr, row),
                        "{what}: did not start: {stderr}"
                    );
                    continue;
                }
            };
            if !serves {
                assert!(
                    warning_names(&serve.stderr, row),
                    "{what}: no start-up warning: {}",
                    serve.stderr
                );
                continue;
            }
            assert!(
                !warning_names(&serve.stderr, row),
                "{what}: warned although supported: {}",
                serve.stderr
            );
            match row.probe.as_str() {
                "program_error" | "answer" | "prompt" | "otlp" | "redis" | "provider" => {
                    let with = serve_observed(row, &serve, true).await;
                    drop(serve);
                    if control.is_none() {
                        let server =
                            start_serve(row, way, false).expect("the control server starts");
                        control = Some(serve_observed(row, &server, false).await);
                    }
                    assert_effect(&what, row, &with, &control.clone().unwrap_or_default());
                }
                "file" => {
                    // After an execution: some files (an index) are made on first use.
                    serve_execute(&serve).await;
                    let path = PathBuf::from(fill(&row.value, serve.dir.path()));
                    assert!(path.exists(), "{what}: {} was not created", path.display());
                }
                _ => {}
            }
        }
    }
}

/// The operator's budgets are ceilings: a session may lower them (201), and
/// asking for more is refused (422) with a message naming the ceiling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn rlm_serve_budgets_are_ceilings_a_session_may_only_lower() {
    let row = table().into_iter().find(|r| r.key == "budgets.max_subcalls").expect("a row");
    let mut row = row;
    row.value = "5".into();
    for way in WAYS {
        let serve = start_serve(&row, way, true).expect("rlm serve starts");
        let client = reqwest::Client::new();
        let create = |settings: Value| {
            client
                .post(format!("{}/api/sessions", serve.base))
                .json(&json!({"context": "a small context", "settings": settings}))
                .send()
        };
        let lower = create(json!({"max_subcalls": 3, "max_steps": 2})).await.expect("POST");
        assert!(lower.status().is_success(), "{way:?}: lowering refused: {}", lower.status());
        let higher = create(json!({"max_subcalls": 50})).await.expect("POST");
        assert_eq!(higher.status().as_u16(), 422, "{way:?}");
        let body = higher.text().await.unwrap_or_default();
        assert!(body.contains("max_subcalls: 50 is above this server's ceiling of 5"), "{body}");
        assert!(body.contains(r#""field":"settings.max_subcalls""#), "{body}");
        // The default step limit (20) is a ceiling too.
        let steps = create(json!({"max_steps": 21})).await.expect("POST");
        assert_eq!(steps.status().as_u16(), 422, "{way:?}");
    }
}
