//! The cluster keeps its word on every request, not only on jobs (issue
//! #75): real `rlm serve` processes (an `api` and `worker`s on PostgreSQL
//! and NATS JetStream), each violation the issue found reproduced:
//!
//! - an `Idempotency-Key` outlives the api that took it: a synchronous
//!   execute whose api was killed mid-run is answered by the retry with the
//!   one execution it started (never run twice, never 409 for minutes), and
//!   a session upload whose api was killed mid-body is made by its retry as
//!   soon as the dead api's process lease has lapsed (not after the 60 s a
//!   claim once stood for);
//! - a live process is never reported dead: a database stopped for longer
//!   than the lease leaves a synchronous execute on a live worker to end
//!   `completed`, and a job caught in the same outage runs once;
//! - exactly-once spend: a job run by two workers at once (the first frozen
//!   past its lease, then thawed) is charged to its session once, its
//!   record carrying a whole run's spend.

use crate::cluster_env;

use std::io::Write;
use std::time::{Duration, Instant};

use cluster_env::{Cluster, Process, SHARED_NATS, get, resumable_script, session};
use serde_json::{Value, json};

/// A POST with an `Idempotency-Key`: the status and JSON body, or the
/// transport error.
async fn post_keyed(
    base: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> Result<(u16, Value), String> {
    let sent = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("Idempotency-Key", key)
        .json(body)
        .timeout(Duration::from_secs(90))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = sent.status().as_u16();
    Ok((status, sent.json().await.unwrap_or(Value::Null)))
}

/// Retries a keyed POST as a careful client does (after 409, 5xx and
/// transport errors) until it is answered otherwise or `within` passes;
/// the answer and every status seen before it.
async fn retry_keyed(
    base: &str,
    path: &str,
    key: &str,
    body: &Value,
    within: Duration,
) -> (u16, Value, Vec<String>) {
    let until = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        match post_keyed(base, path, key, body).await {
            Ok((status, answer)) if !(status == 409 || status >= 500) => {
                return (status, answer, seen);
            }
            Ok((status, answer)) => seen.push(format!("{status} {}", answer["detail"])),
            Err(e) => seen.push(e),
        }
        assert!(Instant::now() < until, "no answer within {within:?}; seen: {seen:#?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn total(base: &str, path: &str) -> u64 {
    let (status, page) = get(base, path).await;
    assert_eq!(status, 200, "{path}: {page}");
    page["total"].as_u64().unwrap_or_else(|| panic!("{path}: no total in {page}"))
}

/// The session's spend and its executions' summed spend (input, output tokens).
async fn spends(base: &str, sid: &str) -> ((u64, u64), (u64, u64)) {
    let (_, view) = get(base, &format!("/api/sessions/{sid}")).await;
    let spend = &view["spend"];
    let session =
        (spend["input_tokens"].as_u64().unwrap(), spend["output_tokens"].as_u64().unwrap());
    let (_, page) = get(base, &format!("/api/executions?session_id={sid}&limit=100")).await;
    let mut summed = (0, 0);
    for e in page["executions"].as_array().unwrap() {
        summed.0 += e["total_input_tokens"].as_u64().unwrap_or(0);
        summed.1 += e["total_output_tokens"].as_u64().unwrap_or(0);
    }
    (session, summed)
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_synchronous_execute_whose_api_died_is_answered_by_its_key_with_its_one_execution() {
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(1000));
        let mut api = cluster.spawn("api");
        let _worker = cluster.spawn("worker");
        let sid = session(&api).await;
        let body = json!({"session_id": sid, "user_query": "what does it say?"});
        let first = {
            let (base, body) = (api.base.clone(), body.clone());
            tokio::spawn(async move { post_keyed(&base, "/api/execute", "exec-1", &body).await })
        };
        // Into its second step, the api that took the key is killed.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        api.kill();
        let _ = first.await;
        let api = cluster.spawn("api");
        let (status, answer, seen) =
            retry_keyed(&api.base, "/api/execute", "exec-1", &body, Duration::from_secs(60)).await;
        eprintln!("the retry: {status}, after {seen:?}");
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status"], "completed", "{answer}");
        assert_eq!(answer["final_result"], "done", "{answer}");
        assert!(seen.iter().all(|s| !s.starts_with("409")), "the key was held by a dead api: {seen:?}");
        // Asked again once it has ended: the same execution, replayed.
        let (status, again) = post_keyed(&api.base, "/api/execute", "exec-1", &body).await.unwrap();
        assert_eq!((status, &again["id"]), (200, &answer["id"]), "{again}");
        assert_eq!(total(&api.base, &format!("/api/executions?session_id={sid}")).await, 1);
        assert_eq!(total(&api.base, &format!("/api/sessions/{sid}/history")).await, 1);
        let (session_spend, summed) = spends(&api.base, &sid).await;
        assert_eq!(session_spend, summed, "the session's spend is its one execution's");
        drop(api);
        cluster.clean_up().await;
    }
}

/// A multipart session upload: its content type and body.
fn upload(boundary: &str, size: usize) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nuploaded\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', size));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends the head and the first half of a keyed upload, then stalls.
fn start_upload(base: &str, key: &str, content_type: &str, body: &[u8]) -> std::net::TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("the api listens");
    let head = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nIdempotency-Key: {key}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..body.len() / 2]).unwrap();
    stream
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_upload_whose_api_died_mid_body_is_made_once_its_process_lease_lapsed() {
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(10));
        let mut api = cluster.spawn("api");
        let (content_type, body) = upload("rlm-boundary-75", 256 * 1024);
        let _stalled = start_upload(&api.base, "upload-1", &content_type, &body);
        // The key is claimed; the body is half sent when the api dies.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        api.kill();
        let api = cluster.spawn("api");
        let started = Instant::now();
        let mut seen = Vec::new();
        let created = loop {
            let sent = reqwest::Client::new()
                .post(format!("{}/api/sessions", api.base))
                .header("Idempotency-Key", "upload-1")
                .header("Content-Type", &content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = sent.status().as_u16();
            let answer: Value = sent.json().await.unwrap_or(Value::Null);
            if status == 200 {
                break answer;
            }
            seen.push(format!("{status} {}", answer["detail"]));
            assert!(started.elapsed() < Duration::from_secs(30), "not made within 30 s: {}", seen.len());
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        // In flight only as long as the dead api's process lease (2 s) can
        // still say it lives, never the 60 s a claim once stood for.
        eprintln!("made in {:?} after {} refusals", started.elapsed(), seen.len());
        assert!(started.elapsed() < Duration::from_secs(6), "the key was held by a dead api: {seen:?}");
        assert!(created["id"].is_string(), "{created}");
        let (_, sessions) = get(&api.base, "/api/sessions?limit=100").await;
        let uploaded = sessions["sessions"].as_array().unwrap().iter().filter(|s| s["name"] == "uploaded").count();
        assert_eq!(uploaded, 1, "{sessions}");
        drop(api);
        cluster.clean_up().await;
    }
}

/// What a deployment's sessions hold against what their executions did:
/// each a violation of "charged once" (one history turn per completed
/// execution, the session's spend the sum of its executions').
async fn session_violations(base: &str, sid: &str, expected_turns: u64) -> Vec<String> {
    let mut out = Vec::new();
    let turns = total(base, &format!("/api/sessions/{sid}/history")).await;
    let (_, page) = get(base, &format!("/api/executions?session_id={sid}&limit=100")).await;
    let completed = page["executions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "completed")
        .count() as u64;
    if (turns, completed) != (expected_turns, expected_turns) {
        out.push(format!(
            "session {sid}: {turns} history turns, {completed} completed executions, {expected_turns} expected"
        ));
    }
    let (session_spend, summed) = spends(base, sid).await;
    if session_spend != summed {
        out.push(format!("session {sid}: spend {session_spend:?}, its executions' {summed:?}"));
    }
    out
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_stopped_past_the_lease_leaves_live_workers_work_to_them() {
        let mut pg = rlm_testenv::services::PrivatePostgres::start();
        let mut cluster = Cluster::with_script(SHARED_NATS, resumable_script(1000));
        cluster.database = pg.url();
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..3).map(|_| cluster.spawn("worker")).collect();
        let mut sessions = Vec::new();
        for _ in 0..5 {
            sessions.push(session(&api).await);
        }
        // Two synchronous executes and three jobs, all into their second step.
        let mut executes = Vec::new();
        for (n, sid) in sessions.iter().take(2).enumerate() {
            let (base, body) =
                (api.base.clone(), json!({"session_id": sid, "user_query": format!("execute {n}")}));
            executes.push(tokio::spawn(async move {
                post_keyed(&base, "/api/execute", &format!("outage-exec-{n}"), &body).await
            }));
        }
        let mut jobs = Vec::new();
        for sid in &sessions[2..] {
            jobs.extend(cluster_env::submit(&api, sid, 1).await);
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        // The database away for five leases (the ack wait is 2 s).
        pg.stop();
        tokio::time::sleep(Duration::from_secs(10)).await;
        pg.restart();
        let mut violations = Vec::new();
        for (n, execute) in executes.into_iter().enumerate() {
            match execute.await.unwrap() {
                Ok((200, answer)) if answer["status"] == "completed" => {}
                Ok((status, answer)) => violations.push(format!(
                    "execute {n} on a live worker answered {status} {}: {}",
                    answer["status"], answer["error_message"]
                )),
                Err(e) => violations.push(format!("execute {n}: {e}")),
            }
        }
        let ended = cluster_env::ended(&api, &jobs, Duration::from_secs(90)).await;
        for job in &ended {
            if job["status"] != "COMPLETE" {
                violations.push(format!("job ended {}: {}", job["status"], job["error"]));
            }
        }
        // Every run has ended, a thawed or copied one too.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let runs: usize = workers.iter().map(|w| w.logged("running a queued job").len()).sum();
        if runs != jobs.len() {
            violations.push(format!("{} jobs ran {runs} times: a live worker's job was run again", jobs.len()));
        }
        for sid in &sessions {
            violations.extend(session_violations(&api.base, sid, 1).await);
        }
        assert!(violations.is_empty(), "{violations:#?}");
        drop((api, workers));
        cluster.clean_up().await;
    }
}

/// `kill -STOP` or `kill -CONT` of a process.
fn signal(process: &Process, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &process.child.id().to_string()])
        .status()
        .expect("kill(1)");
    assert!(status.success(), "kill {signal}");
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_run_by_two_workers_at_once_is_charged_to_its_session_once() {
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(800));
        let api = cluster.spawn("api");
        // A whole run's spend, from a job no fault touches.
        let first = cluster.spawn("worker");
        let reference_session = session(&api).await;
        let reference = cluster_env::submit(&api, &reference_session, 1).await;
        let ended = cluster_env::ended(&api, &reference, Duration::from_secs(60)).await;
        let (_, whole) = get(&api.base, &format!("/api/executions/{}", ended[0]["execution_id"].as_str().unwrap())).await;
        let whole_output = whole["total_output_tokens"].as_u64().unwrap();
        // The job runs on `first`, which freezes in its third step; a second
        // worker takes the job over; then `first` thaws and runs on.
        let sid = session(&api).await;
        let jobs = cluster_env::submit(&api, &sid, 1).await;
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let second = cluster.spawn("worker");
        signal(&first, "-STOP");
        let taken = Instant::now();
        while second.logged("running a queued job").is_empty() {
            assert!(taken.elapsed() < Duration::from_secs(60), "no second delivery");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(800)).await;
        signal(&first, "-CONT");
        let ended = cluster_env::ended(&api, &jobs, Duration::from_secs(90)).await;
        assert_eq!(ended[0]["status"], "COMPLETE", "{}", ended[0]);
        // Both runs have ended (the thawed one abandons or loses its settlement).
        tokio::time::sleep(Duration::from_secs(6)).await;
        let (_, page) = get(&api.base, &format!("/api/executions?session_id={sid}&limit=100")).await;
        let executions = page["executions"].as_array().unwrap();
        eprintln!("executions: {}", serde_json::to_string_pretty(executions).unwrap());
        let completed = executions.iter().filter(|e| e["status"] == "completed").count();
        assert_eq!(completed, 1, "{page}");
        assert_eq!(total(&api.base, &format!("/api/sessions/{sid}/history")).await, 1);
        let (session_spend, summed) = spends(&api.base, &sid).await;
        assert_eq!(session_spend, summed, "the session is charged once");
        let settled = executions.iter().find(|e| e["status"] == "completed").unwrap();
        assert!(
            settled["total_output_tokens"].as_u64().unwrap() >= whole_output,
            "the settled record carries a whole run's spend ({whole_output} output tokens): {settled}"
        );
        drop((api, first, second));
        cluster.clean_up().await;
    }
}
