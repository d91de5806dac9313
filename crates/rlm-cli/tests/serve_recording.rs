//! Per-execution record and replay over `rlm serve` (issue #57), through
//! the `rlm` binary as real child processes:
//!
//! - an execution with `"record": true` (streamed: the root model's call
//!   streams) keeps its exchanges, root and subcall; `GET
//!   /api/executions/{id}/recording` serves them as JSON lines;
//! - a second server whose scripted model answers differently answers the
//!   same request with the recorded answer when given that recording as
//!   `replay` (as JSONL text and as an array of objects), and a changed
//!   question fails the execution with the diff naming the changed message
//!   (in its error and its trace);
//! - `rlm run --replay` of the downloaded file gives the same answer
//!   offline (the format is the same);
//! - all of it on sled and on PostgreSQL (each test its own schema), and
//!   through a cluster (an `api` and a `worker` on PostgreSQL and NATS:
//!   `record` and `replay` travel in the queued execution and in a job);
//! - a job a stopping worker hands back at a step boundary keeps one
//!   recording: the next delivery, going on from the checkpoint, appends
//!   to what the first stored, and a fresh replay of it runs to the end;
//! - hostile input: `record` with `replay`, a replay that does not parse
//!   (the line named), one past the context limit, someone else's
//!   execution's recording (404 as its trace), a deleted execution's.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::cluster_env;
use crate::serve_child;

use cluster_env::{
    Cluster, Process, SHARED_NATS, database_url, ended, get, resumable_script, trace, unique,
};
use serde_json::{Value, json};

const QUESTION: &str = "Which colour does the helper name?";
const CONTEXT: &str = "A small context: the helper names colours when asked.";

/// A scripted model whose root asks one subcall, then answers with what
/// `word` makes of it: `"<word> answer"` (rules keyed on what each request
/// holds, so the order of the calls does not matter).
fn script(word: &str) -> Value {
    json!({
        "rules": [
            { "pattern": format!("sub-{word}"), "target": "last_user",
              "reply": format!("FINAL('{word} answer')") },
            { "pattern": "SUBQ", "target": "last_user", "reply": format!("sub-{word}") },
        ],
        "replies": ["Asking the helper.\n```repl\nprint(llm_query('SUBQ: name a colour'))\n```"],
        "when_exhausted": { "fixed": "FINAL('the script has no more replies')" }
    })
}

/// An `rlm serve` child with its own data folder, killed when dropped.
struct Serve {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rlm serve` playing `script`, with `extra` arguments and environment.
fn serve(script: &Value, extra: &[&str], envs: &[(&str, &str)]) -> Serve {
    let data = tempfile::tempdir().unwrap();
    let script_path = data.path().join("script.json");
    std::fs::write(&script_path, script.to_string()).unwrap();
    let (child, base) = serve_child::start_serve(|c| {
        c.arg("--data").arg(data.path().join("data")).arg("--script").arg(&script_path);
        c.args(extra).current_dir(data.path());
        for (k, v) in envs {
            c.env(k, v);
        }
    });
    Serve { child, base, _data: data }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

async fn post_as(key: Option<&str>, base: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut request = client().post(format!("{base}{path}")).json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(base: &str, path: &str, body: &Value) -> (u16, Value) {
    post_as(None, base, path, body).await
}

/// A GET's status, content type and body text.
async fn get_text(key: Option<&str>, base: &str, path: &str) -> (u16, String, String) {
    let mut request = client().get(format!("{base}{path}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, r.text().await.unwrap())
}

/// Runs `body` (plus the question and the context) on `/api/execute`.
async fn execute(base: &str, body: Value) -> Value {
    let mut request = json!({ "user_query": QUESTION, "context": CONTEXT });
    request.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    let (status, execution) = post(base, "/api/execute", &request).await;
    assert_eq!(status, 200, "{execution}");
    execution
}

/// Records an execution streamed through `/api/execute/stream`; returns its
/// id and answer once it ended.
async fn record_streamed(base: &str) -> (String, String) {
    let body = json!({ "user_query": QUESTION, "context": CONTEXT, "record": true });
    let r = client().post(format!("{base}/api/execute/stream")).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    let last = text.lines().filter_map(|l| l.strip_prefix("data: ")).next_back().unwrap();
    let frame: Value = serde_json::from_str(last).unwrap();
    assert_eq!(frame["type"], "complete", "{text}");
    let execution = &frame["data"];
    let id = execution["id"].as_str().unwrap().to_string();
    (id, execution["final_result"].as_str().unwrap().to_string())
}

/// The recording of `id`, checked to be JSON lines of exchanges.
async fn recording(key: Option<&str>, base: &str, id: &str) -> String {
    let (status, kind, text) =
        get_text(key, base, &format!("/api/executions/{id}/recording")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(kind, "application/x-ndjson");
    for line in text.lines() {
        let x: Value = serde_json::from_str(line).unwrap();
        assert!(x["fingerprint"].as_str().is_some_and(|f| f.len() == 32), "{line}");
        assert!(x["request"]["messages"].is_array(), "{line}");
    }
    text
}

fn rlm_binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rlm"));
    for (k, _) in std::env::vars() {
        if k.starts_with("RLM_") {
            c.env_remove(k);
        }
    }
    c
}

/// `rlm run` of the question over `dir/context.txt`, its scripted model one
/// that answers otherwise, answered from `recording`: its exit code, its
/// JSON output and its stderr.
fn run_offline(dir: &Path, recording: &str) -> (Option<i32>, Value, String) {
    let rec = dir.join("downloaded.recording.jsonl");
    std::fs::write(&rec, recording).unwrap();
    let other = dir.join("beta.json");
    std::fs::write(&other, script("beta").to_string()).unwrap();
    let mut c = rlm_binary();
    c.current_dir(dir).env("HOME", dir).env_remove("XDG_CONFIG_HOME");
    c.args(["run", QUESTION, "--context"]).arg(dir.join("context.txt"));
    c.args(["--model", "scripted", "--script"]).arg(&other);
    c.args(["--json", "--progress", "never", "--replay"]).arg(&rec);
    let out = c.output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The whole round trip between a recording server and a replaying one
/// (each started with `store_a` / `store_b`'s store arguments).
async fn round_trip(store_a: &[&str], store_b: &[&str]) {
    let alpha = serve(&script("alpha"), store_a, &[]);
    let beta = serve(&script("beta"), store_b, &[]);

    let (id, answer) = record_streamed(&alpha.base).await;
    assert_eq!(answer, "alpha answer");
    let recorded = recording(None, &alpha.base, &id).await;
    let exchanges: Vec<Value> =
        recorded.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exchanges.len(), 3, "two root calls and a subcall: {recorded}");
    assert!(exchanges.iter().any(|x| x["stream"] == true), "the root call streams: {recorded}");
    let subcall = exchanges.iter().find(|x| x["response"]["text"] == "sub-alpha");
    assert!(subcall.is_some(), "the subcall is recorded: {recorded}");

    // The other server answers otherwise live, and as recorded from the replay.
    assert_eq!(execute(&beta.base, json!({})).await["final_result"], "beta answer");
    let replayed = execute(&beta.base, json!({ "replay": recorded })).await;
    assert_eq!(replayed["status"], "completed", "{replayed}");
    assert_eq!(replayed["final_result"], "alpha answer");
    let as_objects = execute(&beta.base, json!({ "replay": exchanges })).await;
    assert_eq!(as_objects["final_result"], "alpha answer", "{as_objects}");
    // A replay records nothing.
    let none = replayed["id"].as_str().unwrap();
    let (status, _, _) =
        get_text(None, &beta.base, &format!("/api/executions/{none}/recording")).await;
    assert_eq!(status, 404);

    // A changed question: the request differs, the execution fails with the diff.
    let changed = "Which colour does the helper name now?";
    let missed =
        execute(&beta.base, json!({ "user_query": changed, "replay": recorded.clone() })).await;
    assert_eq!(missed["status"], "failed", "{missed}");
    let error = missed["error_message"].as_str().unwrap();
    assert!(error.contains("no recording in the request's replay for this request"), "{error}");
    assert!(error.contains("(user) changed"), "{error}");
    assert!(error.lines().any(|l| l.starts_with('+') && l.contains("name now?")), "{error}");
    let missed_id = missed["id"].as_str().unwrap();
    let (_, _, trace) =
        get_text(None, &beta.base, &format!("/api/executions/{missed_id}/trace")).await;
    assert!(trace.contains("no recording in the request's replay"), "{trace}");

    // `/v1/chat/completions` takes both as extension fields (`extra_body`).
    let chat = |extra: Value| {
        let mut body = json!({ "model": "rlm", "messages": [
            { "role": "system", "content": CONTEXT }, { "role": "user", "content": QUESTION }] });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, done) =
        post(&alpha.base, "/v1/chat/completions", &chat(json!({"record": true}))).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["choices"][0]["message"]["content"], "alpha answer", "{done}");
    let chat_recording = recording(None, &alpha.base, done["rlm_trace_id"].as_str().unwrap()).await;
    let (status, done) =
        post(&beta.base, "/v1/chat/completions", &chat(json!({"replay": chat_recording}))).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["choices"][0]["message"]["content"], "alpha answer", "{done}");
    let both = chat(json!({"record": true, "replay": ""}));
    let (status, refused) = post(&beta.base, "/v1/chat/completions", &both).await;
    assert_eq!(status, 400, "{refused}");
}

/// An execution over a server-side file (`--allow-path`) recorded, its
/// recording downloaded and replayed offline by `rlm run` over the same
/// file. The front ends describe a context differently (the server's
/// session holds a `document_list`, `rlm run`'s file is a `file from
/// PATH`): as downloaded, the replay misses on that line alone, named in
/// its diff; with that one line changed in the file (a hand-edited request
/// still matches: fingerprints are recomputed), every exchange matches and
/// the answer is the recorded one.
async fn replay_offline(store: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context.txt");
    std::fs::write(&context, CONTEXT).unwrap();
    let root = dir.path().to_str().unwrap();
    let server = serve(&script("alpha"), &[store, &["--allow-path", root]].concat(), &[]);
    let session = json!({ "name": "offline", "paths": ["context.txt"] });
    let (status, session) = post(&server.base, "/api/sessions", &session).await;
    assert_eq!(status, 200, "{session}");
    let body = json!({ "session_id": session["id"], "user_query": QUESTION, "record": true });
    let (status, recorded) = post(&server.base, "/api/execute", &body).await;
    assert_eq!(status, 200, "{recorded}");
    assert_eq!(recorded["final_result"], "alpha answer", "{recorded}");
    let text = recording(None, &server.base, recorded["id"].as_str().unwrap()).await;

    let (code, _, stderr) = run_offline(dir.path(), &text);
    assert_eq!(code, Some(4), "{stderr}");
    let changed: Vec<&str> = stderr
        .lines()
        .filter(|l| (l.starts_with('-') || l.starts_with('+')) && !l.starts_with("---"))
        .filter(|l| !l.starts_with("+++"))
        .collect();
    let served = "context: document_list, 53 chars";
    let local = format!("context: file from {}, 53 chars", context.display());
    assert_eq!(changed.len(), 2, "only the context's description differs: {stderr}");
    assert!(changed[0].starts_with(&format!("-{served}")), "{stderr}");
    assert!(changed[1].starts_with(&format!("+{local}")), "{stderr}");

    let described_here = text.replace(served, &local);
    assert_eq!(described_here.matches(&local).count(), 2, "each root request holds it once");
    let (code, offline, stderr) = run_offline(dir.path(), &described_here);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(offline["answer"], "alpha answer", "{offline}");
}

/// Drops a PostgreSQL schema a test made.
async fn drop_schema(schema: &str) {
    let (client, connection) =
        tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_execution_replays_on_another_server_and_offline_on_sled() {
    round_trip(&[], &[]).await;
    replay_offline(&[]).await;
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread")]
    async fn a_recorded_execution_replays_on_another_server_and_offline_on_postgres() {
        let (a, b) = (unique("rlm_recording_a"), unique("rlm_recording_b"));
        let url = database_url();
        let store_a = ["--database-url", &url, "--database-schema", &a];
        let store_b = ["--database-url", &url, "--database-schema", &b];
        round_trip(&store_a, &store_b).await;
        replay_offline(&store_b).await;
        // The recordings (`/api/execute/stream`'s and `/v1`'s) are rows of
        // the recording server's schema.
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let rows: i64 = client
            .query_one(
                &format!("SELECT count(DISTINCT execution_id) FROM {a}.recording_parts"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(rows, 2);
        drop_schema(&a).await;
        drop_schema(&b).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_requests_are_refused_and_a_recording_is_its_owners_alone() {
    let keys = "owner:key-of-the-owner,other:key-of-the-other";
    let server = serve(&script("alpha"), &["--max-context-mb", "1"], &[("RLM_API_KEYS", keys)]);
    let (owner, other) = (Some("key-of-the-owner"), Some("key-of-the-other"));
    let base = &server.base;
    let ask = |extra: Value| {
        let mut body = json!({ "user_query": QUESTION, "context": CONTEXT });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };

    let (status, e) = post_as(owner, base, "/api/execute", &ask(json!({"record": true}))).await;
    assert_eq!(status, 200, "{e}");
    let id = e["id"].as_str().unwrap();
    let recorded = recording(owner, base, id).await;

    let both = ask(json!({ "record": true, "replay": recorded.clone() }));
    let (status, e) = post_as(owner, base, "/api/execute", &both).await;
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("not both"), "{e}");

    let broken = format!("{}\nnot an exchange\n", recorded.lines().next().unwrap());
    let (status, e) = post_as(owner, base, "/api/execute", &ask(json!({ "replay": broken }))).await;
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
    let (status, e) =
        post_as(owner, base, "/api/execute", &ask(json!({ "replay": [{"model": 1}] }))).await;
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("item 0"), "{e}");
    let (status, e) = post_as(
        owner,
        base,
        "/api/jobs",
        &json!({
        "session_id": uuid_nil(), "user_query": QUESTION, "record": true, "replay": "x" }),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    // Past the context limit (1 MiB here): refused before anything runs.
    let big = recorded.lines().next().unwrap().to_string() + "\n";
    let big = big.repeat((1 << 20) / big.len() + 1);
    let (status, e) = post_as(owner, base, "/api/execute", &ask(json!({ "replay": big }))).await;
    assert_eq!(status, 413, "{e}");

    // Someone else's recording is not found, as its trace; nor is one never made.
    let path = format!("/api/executions/{id}/recording");
    let (status, _, body) = get_text(other, base, &path).await;
    assert_eq!(status, 404, "{body}");
    let (status, _, _) = get_text(other, base, &format!("/api/executions/{id}/trace")).await;
    assert_eq!(status, 404);
    let (status, _, _) = get_text(None, base, &path).await;
    assert_eq!(status, 401);
    let (_, plain) = post_as(owner, base, "/api/execute", &ask(json!({}))).await;
    let plain_id = plain["id"].as_str().unwrap();
    let (status, _, body) =
        get_text(owner, base, &format!("/api/executions/{plain_id}/recording")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("recording"), "{body}");

    // Deleted with its execution.
    let r = client().delete(format!("{base}/api/executions/{id}")).bearer_auth("key-of-the-owner");
    assert_eq!(r.send().await.unwrap().status().as_u16(), 200);
    let (status, _, _) = get_text(owner, base, &path).await;
    assert_eq!(status, 404);
}

fn uuid_nil() -> String {
    "00000000-0000-0000-0000-000000000000".into()
}

/// Waits until the job's execution has asked the root model `n` times (so
/// step `n - 1`'s checkpoint is stored); returns the execution's id.
async fn wait_for_root_calls(api: &Process, job: &str, n: usize) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, record) = get(&api.base, &format!("/api/jobs/{job}")).await;
        if let Some(e) = record["execution_id"].as_str() {
            let asked = trace(api, e)
                .await
                .iter()
                .filter(|event| event["kind"]["type"] == "model_call_started")
                .count();
            if asked >= n {
                return e.to_string();
            }
        }
        assert!(Instant::now() < until, "the root model was not asked {n} times");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends SIGTERM to the process and waits until it has exited.
fn terminate(process: &mut Process) {
    let pid = process.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success(), "kill -TERM {pid}");
    let until = Instant::now() + Duration::from_secs(30);
    while process.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < until, "the worker did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the job has ended; returns it.
async fn job_ended(api: &Process, id: &str) -> Value {
    ended(api, &[id.to_string()], Duration::from_secs(120)).await.remove(0)
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread")]
    async fn a_cluster_records_on_its_worker_and_replays_from_the_queued_payload() {
        let cluster = Cluster::with_script(SHARED_NATS, script("alpha"));
        let api = cluster.spawn("api");
        let _worker = cluster.spawn("worker");
        let base = api.base.clone();

        // Queued by the api (the execution's payload), run by the worker.
        let recorded = execute(&base, json!({ "record": true })).await;
        assert_eq!(recorded["final_result"], "alpha answer", "{recorded}");
        let text = recording(None, &base, recorded["id"].as_str().unwrap()).await;
        assert_eq!(text.lines().count(), 3, "{text}");

        // A job of a session records too.
        let new_session = || async {
            let (status, session) =
                post(&base, "/api/sessions", &json!({ "name": "rec", "context": CONTEXT })).await;
            assert_eq!(status, 200, "{session}");
            session["id"].as_str().unwrap().to_string()
        };
        let job_body = |sid: &str, extra: Value| {
            let mut body = json!({ "session_id": sid, "user_query": QUESTION });
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        let sid = new_session().await;
        let (status, job) = post(&base, "/api/jobs", &job_body(&sid, json!({ "record": true }))).await;
        assert_eq!(status, 200, "{job}");
        let job = job_ended(&api, job["job_id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "COMPLETE", "{job}");
        let job_execution = job["execution_id"].as_str().unwrap();
        let job_text = recording(None, &base, job_execution).await;
        assert_eq!(job_text.lines().count(), 3, "{job_text}");

        // A hand-edited answer: only a worker answering from the replay gives it.
        let edited = text.replace("alpha answer", "gamma answer");
        assert_ne!(edited, text);
        let replayed = execute(&base, json!({ "replay": edited })).await;
        assert_eq!(replayed["final_result"], "gamma answer", "{replayed}");
        // A session's first job, as the recorded one was (a later one's prompt
        // holds the session's history: it would miss).
        let edited = job_text.replace("alpha answer", "gamma answer");
        let sid = new_session().await;
        let (status, job) =
            post(&base, "/api/jobs", &job_body(&sid, json!({ "replay": edited }))).await;
        assert_eq!(status, 200, "{job}");
        let job = job_ended(&api, job["job_id"].as_str().unwrap()).await;
        assert_eq!(job["answer"], "gamma answer", "{job}");

        // A replay too large for a job message (each exchange repeated: the
        // first copy answers) is refused by the queued execution, not by a
        // job, whose record keeps it.
        let big = edited.repeat(600 * 1024 / edited.len() + 1);
        let inline = json!({ "user_query": QUESTION, "context": CONTEXT, "replay": big.clone() });
        let (status, refused) = post(&base, "/api/execute", &inline).await;
        assert_eq!(status, 413, "{refused}");
        assert!(refused.to_string().contains("POST /api/jobs"), "{refused}");
        let sid = new_session().await;
        let (status, job) = post(&base, "/api/jobs", &job_body(&sid, json!({ "replay": big }))).await;
        assert_eq!(status, 200, "{job}");
        let job = job_ended(&api, job["job_id"].as_str().unwrap()).await;
        assert_eq!(job["answer"], "gamma answer", "{job}");

        drop(api);
        cluster.clean_up().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_job_handed_back_by_a_stopping_worker_records_on_from_its_checkpoint() {
        // Each root step takes 1.2 s: SIGTERM comes while step 3 is asked.
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(1200));
        let api = cluster.spawn("api");
        let mut first = cluster.spawn("worker");
        let (status, session) =
            post(&api.base, "/api/sessions", &json!({ "name": "rec", "context": CONTEXT })).await;
        assert_eq!(status, 200, "{session}");
        let body = json!({ "session_id": session["id"], "user_query": QUESTION, "record": true });
        let (status, job) = post(&api.base, "/api/jobs", &body).await;
        assert_eq!(status, 200, "{job}");
        let job_id = job["job_id"].as_str().unwrap().to_string();
        let execution = wait_for_root_calls(&api, &job_id, 3).await;
        terminate(&mut first);
        assert_eq!(first.logged("the execution is handed back").len(), 1);
        // What the first attempt recorded (steps 1-3) is stored, part by
        // part as it ran; the execution runs on, so its recording is not
        // served yet.
        let (client, connection) =
            tokio_postgres::connect(&cluster.database, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let sql = format!(
            "SELECT string_agg(body, '' ORDER BY seq) FROM {}.recording_parts \
             WHERE execution_id::text = $1",
            cluster.schema
        );
        let part: String = client.query_one(&sql, &[&execution]).await.unwrap().get(0);
        assert_eq!(part.lines().count(), 3, "{part}");
        let path = format!("/api/executions/{execution}/recording");
        let (status, _, body) = get_text(None, &api.base, &path).await;
        assert_eq!(status, 409, "{body}");
        let _other = cluster.spawn("worker");
        let job = job_ended(&api, &job_id).await;
        assert_eq!(job["answer"], "done", "{job}");
        assert_eq!(job["execution_id"], execution.as_str(), "the same execution");

        // Steps 1-3 from the first attempt, step 4 from the second: each root
        // request once, in order, and a fresh replay of it runs to the end.
        let text = recording(None, &api.base, &execution).await;
        let replies: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["response"]["text"].to_string())
            .collect();
        assert_eq!(replies.len(), 4, "{text}");
        assert!(replies[0].contains("First step") && replies[3].contains("FINAL"), "{replies:?}");
        let edited = text.replace("FINAL('done')", "FINAL('replayed in full')");
        let (status, fresh) =
            post(&api.base, "/api/sessions", &json!({ "name": "again", "context": CONTEXT })).await;
        assert_eq!(status, 200, "{fresh}");
        let body = json!({ "session_id": fresh["id"], "user_query": QUESTION, "replay": edited });
        let (status, job) = post(&api.base, "/api/jobs", &body).await;
        assert_eq!(status, 200, "{job}");
        let job = job_ended(&api, job["job_id"].as_str().unwrap()).await;
        assert_eq!(job["answer"], "replayed in full", "{job}");
        drop((api, first));
        cluster.clean_up().await;
    }
}
