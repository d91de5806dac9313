//! The client side of the fault tests: a workload of sessions, jobs and
//! synchronous executes, submitted as a careful client does (every
//! creating POST with an `Idempotency-Key`, retried with the same key after
//! a timeout, a dropped connection, a 5xx, a 409 or a 429), and the
//! invariants checked once it has ended: one session per key, one
//! execution per execute key (answered `completed`, never `interrupted`),
//! every acknowledged job ended exactly once with its execution agreeing,
//! history turns equal completed executions, each session's spend is the
//! sum of its executions', nothing is left open, and retries made one job.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One request's deadline: a client that waits longer retries.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What the client saw while submitting.
#[derive(Debug, Default)]
pub struct ClientTally {
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    pub unavailable_503: AtomicU64,
    pub timeouts: AtomicU64,
    pub connection_errors: AtomicU64,
    /// Answers to a repeated key that named another record than the first.
    pub key_mismatches: AtomicU64,
}

/// A creating POST, sent until it is acknowledged (2xx) or `give_up`
/// passes, always with the same `key`; the acknowledged body.
pub async fn post_idempotent(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
    tally: &ClientTally,
    give_up: Duration,
) -> Result<Value, String> {
    post_idempotent_within(client, url, key, body, tally, give_up, REQUEST_TIMEOUT).await
}

/// [`post_idempotent`] with each request's own deadline (a synchronous
/// execute answers at its end).
pub async fn post_idempotent_within(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
    tally: &ClientTally,
    give_up: Duration,
    request_timeout: Duration,
) -> Result<Value, String> {
    let until = Instant::now() + give_up;
    let mut backoff = Duration::from_millis(100);
    let mut last = String::new();
    while Instant::now() < until {
        tally.attempts.fetch_add(1, Ordering::Relaxed);
        let sent = client
            .post(url)
            .header("Idempotency-Key", key)
            .json(body)
            .timeout(request_timeout)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                return r.json().await.map_err(|e| format!("{url}: a 2xx without JSON: {e}"));
            }
            Ok(r) => {
                let status = r.status().as_u16();
                if status == 503 {
                    tally.unavailable_503.fetch_add(1, Ordering::Relaxed);
                }
                last = format!("{status} {}", r.text().await.unwrap_or_default());
                // 409: the first request with this key is still being answered.
                if !(status >= 500 || status == 429 || status == 409) {
                    return Err(format!("{url}: {last}"));
                }
            }
            Err(e) if e.is_timeout() => {
                tally.timeouts.fetch_add(1, Ordering::Relaxed);
                last = e.to_string();
            }
            Err(e) => {
                tally.connection_errors.fetch_add(1, Ordering::Relaxed);
                last = e.to_string();
            }
        }
        tally.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
    Err(format!("{url}: not acknowledged within {give_up:?}; last: {last}"))
}

/// One job the client submitted and the server acknowledged.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub key: String,
    pub session: String,
    pub job: String,
}

/// One synchronous execute the server answered: its question (unique in
/// the run) and the answer.
#[derive(Debug, Clone)]
pub struct Answered {
    pub session: String,
    pub query: String,
    pub answer: Value,
}

/// What a workload's clients were acknowledged.
#[derive(Debug, Clone, Default)]
pub struct Submitted {
    /// Each session's key and id.
    pub sessions: Vec<(String, String)>,
    pub jobs: Vec<Acknowledged>,
    pub executes: Vec<Answered>,
    /// Requests never acknowledged within the client's patience (each a
    /// violation: a careful client's retries must get an answer).
    pub unacknowledged: Vec<String>,
}

/// The workload: `sessions` sessions, `jobs` jobs and `executes`
/// synchronous executes spread over them and over `spread`, each submitted
/// idempotently; every fifth job is sent a second time with its key after
/// its acknowledgement (a client that lost the answer), which must name the
/// same job.
pub struct Workload {
    pub api: String,
    pub run: String,
    pub sessions: usize,
    pub jobs: usize,
    pub executes: usize,
    pub spread: Duration,
}

/// A synchronous execute's deadline per request: a client waits for its
/// answer this long, then asks again with its key.
const EXECUTE_TIMEOUT: Duration = Duration::from_secs(30);

impl Workload {
    pub async fn submit_all(&self, tally: &Arc<ClientTally>) -> Result<Submitted, String> {
        let client = reqwest::Client::new();
        let mut sessions = Vec::new();
        for s in 0..self.sessions {
            let key = format!("{}-session-{s}", self.run);
            let body = json!({"name": key, "context": format!("session {s} of run {}", self.run)});
            let url = format!("{}/api/sessions", self.api);
            let created =
                post_idempotent(&client, &url, &key, &body, tally, Duration::from_secs(180))
                    .await?;
            let id = created["id"].as_str().ok_or("a session without an id")?.to_string();
            sessions.push((key, id));
        }
        let ids: Vec<String> = sessions.iter().map(|(_, id)| id.clone()).collect();
        let executes = self.spawn_executes(&client, &ids, tally);
        let (jobs, mut unacknowledged) = self.submit_jobs(&client, &ids, tally).await?;
        let mut answered = Vec::new();
        for t in executes {
            match t.await.map_err(|e| e.to_string())? {
                Ok(a) => answered.push(a),
                Err(e) => unacknowledged.push(e),
            }
        }
        Ok(Submitted { sessions, jobs, executes: answered, unacknowledged })
    }

    /// The synchronous executes, each on its own task, spread like the jobs.
    fn spawn_executes(
        &self,
        client: &reqwest::Client,
        sessions: &[String],
        tally: &Arc<ClientTally>,
    ) -> Vec<tokio::task::JoinHandle<Result<Answered, String>>> {
        let gap = self.spread / self.executes.max(1) as u32;
        (0..self.executes)
            .map(|i| {
                let session = sessions[(i + 1) % sessions.len()].clone();
                let query = format!("execute {i} of {}", self.run);
                let key = format!("{}-execute-{i}", self.run);
                let url = format!("{}/api/execute", self.api);
                let (client, tally) = (client.clone(), Arc::clone(tally));
                let after = gap * i as u32;
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let body = json!({"session_id": session, "user_query": query});
                    let give_up = Duration::from_secs(180);
                    let answer = post_idempotent_within(
                        &client,
                        &url,
                        &key,
                        &body,
                        &tally,
                        give_up,
                        EXECUTE_TIMEOUT,
                    )
                    .await?;
                    Ok(Answered { session, query, answer })
                })
            })
            .collect()
    }

    async fn submit_jobs(
        &self,
        client: &reqwest::Client,
        sessions: &[String],
        tally: &Arc<ClientTally>,
    ) -> Result<(Vec<Acknowledged>, Vec<String>), String> {
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let gap = self.spread / self.jobs.max(1) as u32;
        let mut tasks = Vec::new();
        for i in 0..self.jobs {
            let session = sessions[i % sessions.len()].clone();
            let key = format!("{}-job-{i}", self.run);
            let url = format!("{}/api/jobs", self.api);
            let body =
                json!({"session_id": session, "user_query": format!("job {i} of {}", self.run)});
            let (client, tally, acknowledged) =
                (client.clone(), Arc::clone(tally), Arc::clone(&acknowledged));
            tasks.push(tokio::spawn(async move {
                let give_up = Duration::from_secs(300);
                let job = post_idempotent(&client, &url, &key, &body, &tally, give_up).await?;
                let id = job["job_id"].as_str().ok_or("a job without an id")?.to_string();
                if i % 5 == 0 {
                    let again =
                        post_idempotent(&client, &url, &key, &body, &tally, give_up).await?;
                    if again["job_id"] != job["job_id"] {
                        tally.key_mismatches.fetch_add(1, Ordering::Relaxed);
                    }
                }
                acknowledged.lock().unwrap().push(Acknowledged { key, session, job: id });
                Ok::<(), String>(())
            }));
            tokio::time::sleep(gap).await;
        }
        let mut unacknowledged = Vec::new();
        for t in tasks {
            if let Err(e) = t.await.map_err(|e| e.to_string())? {
                unacknowledged.push(e);
            }
        }
        let out = acknowledged.lock().unwrap().clone();
        Ok((out, unacknowledged))
    }
}

/// GET with retries through restarts; the JSON body of a 200.
pub async fn get_json(api: &str, path: &str) -> Result<Value, String> {
    let client = reqwest::Client::new();
    let mut last = String::new();
    for _ in 0..60 {
        match client.get(format!("{api}{path}")).timeout(REQUEST_TIMEOUT).send().await {
            Ok(r) if r.status().is_success() => {
                return r.json().await.map_err(|e| format!("{path}: {e}"));
            }
            Ok(r) => last = format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("GET {path}: {last}"))
}

/// Every item of a paged list (`field`), following `next_cursor`.
pub async fn list_all(api: &str, path: &str, field: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_string(),
        };
        let page = get_json(api, &page_path).await?;
        out.extend(page[field].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Waits until none of the jobs is PENDING or RUNNING; the jobs, by id.
pub async fn settled_jobs(
    api: &str,
    acknowledged: &[Acknowledged],
    within: Duration,
) -> Result<BTreeMap<String, Value>, String> {
    let until = Instant::now() + within;
    loop {
        let mut jobs = BTreeMap::new();
        for a in acknowledged {
            jobs.insert(a.job.clone(), get_json(api, &format!("/api/jobs/{}", a.job)).await?);
        }
        let open: Vec<&Value> = jobs
            .values()
            .filter(|j| matches!(j["status"].as_str(), Some("PENDING" | "RUNNING") | None))
            .collect();
        if open.is_empty() {
            return Ok(jobs);
        }
        if Instant::now() >= until {
            return Err(format!("{} jobs still open after {within:?}: {open:?}", open.len()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What one round's invariants found (every count is also asserted).
#[derive(Debug, Default, serde::Serialize)]
pub struct RoundFindings {
    pub sessions: usize,
    pub jobs: usize,
    pub complete: usize,
    pub executes: usize,
    pub executions_completed: usize,
    pub history_turns: u64,
    pub resumed_executions: usize,
    pub violations: Vec<String>,
}

/// Checks the invariants over what the clients were acknowledged.
pub async fn check_invariants(
    api: &str,
    submitted: &Submitted,
    jobs: &BTreeMap<String, Value>,
) -> Result<RoundFindings, String> {
    let acknowledged = &submitted.jobs;
    let mut f = RoundFindings {
        sessions: submitted.sessions.len(),
        jobs: acknowledged.len(),
        executes: submitted.executes.len(),
        ..RoundFindings::default()
    };
    f.violations.extend(submitted.unacknowledged.iter().map(|e| format!("not acknowledged: {e}")));
    let by_key: BTreeSet<&str> = acknowledged.iter().map(|a| a.job.as_str()).collect();
    if by_key.len() != acknowledged.len() {
        f.violations.push("two keys were acknowledged with one job".into());
    }
    check_session_keys(api, submitted, &mut f).await?;
    let all_jobs = list_all(api, "/api/jobs?limit=100", "jobs").await?;
    for (_, session) in &submitted.sessions {
        let mine: Vec<&Acknowledged> =
            acknowledged.iter().filter(|a| &a.session == session).collect();
        let executes: Vec<&Answered> =
            submitted.executes.iter().filter(|a| &a.session == session).collect();
        check_session(api, session, &mine, &executes, jobs, &all_jobs, &mut f).await?;
    }
    Ok(f)
}

/// One session per session key: the sessions named by the run's keys.
async fn check_session_keys(
    api: &str,
    submitted: &Submitted,
    f: &mut RoundFindings,
) -> Result<(), String> {
    let stored = list_all(api, "/api/sessions?limit=100", "sessions").await?;
    for (key, id) in &submitted.sessions {
        let named: Vec<&Value> = stored.iter().filter(|s| s["name"] == key.as_str()).collect();
        if named.len() != 1 || named[0]["id"] != id.as_str() {
            let ids: Vec<&Value> = named.iter().map(|s| &s["id"]).collect();
            f.violations.push(format!("session key {key}: sessions {ids:?}, acknowledged {id}"));
        }
    }
    Ok(())
}

async fn check_session(
    api: &str,
    session: &str,
    mine: &[&Acknowledged],
    executes: &[&Answered],
    jobs: &BTreeMap<String, Value>,
    all_jobs: &[Value],
    f: &mut RoundFindings,
) -> Result<(), String> {
    let stored: Vec<&Value> = all_jobs.iter().filter(|j| j["session_id"] == session).collect();
    if stored.len() != mine.len() {
        f.violations.push(format!(
            "session {session}: {} jobs stored for {} idempotency keys",
            stored.len(),
            mine.len()
        ));
    }
    let executions =
        list_all(api, &format!("/api/executions?session_id={session}&limit=100"), "executions")
            .await?;
    let mut completed_by_job: BTreeMap<String, usize> = BTreeMap::new();
    let (mut spent_in, mut spent_out) = (0u64, 0u64);
    for e in &executions {
        if e["status"] == "completed" {
            f.executions_completed += 1;
            let job = e["job_id"].as_str().unwrap_or("none").to_string();
            *completed_by_job.entry(job).or_default() += 1;
        }
        spent_in += e["total_input_tokens"].as_u64().unwrap_or(0);
        spent_out += e["total_output_tokens"].as_u64().unwrap_or(0);
    }
    for a in mine {
        let job = &jobs[&a.job];
        check_job(api, job, completed_by_job.get(&a.job).copied().unwrap_or(0), f).await?;
    }
    for a in executes {
        check_execute(a, &executions, f);
    }
    let view = get_json(api, &format!("/api/sessions/{session}")).await?;
    let history = get_json(api, &format!("/api/sessions/{session}/history?limit=1")).await?;
    let turns = history["total"].as_u64().unwrap_or(0);
    f.history_turns += turns;
    let completed: usize = completed_by_job.values().sum();
    if turns != completed as u64 {
        f.violations.push(format!(
            "session {session}: {turns} history turns for {completed} completed executions"
        ));
    }
    let spend = &view["spend"];
    let (s_in, s_out) =
        (spend["input_tokens"].as_u64().unwrap_or(0), spend["output_tokens"].as_u64().unwrap_or(0));
    if (s_in, s_out) != (spent_in, spent_out) {
        f.violations.push(format!(
            "session {session}: spend {s_in}/{s_out} tokens, its executions' sum {spent_in}/{spent_out}"
        ));
    }
    Ok(())
}

/// One execution per execute key, the one answered, `completed`.
fn check_execute(answered: &Answered, executions: &[Value], f: &mut RoundFindings) {
    let query = answered.query.as_str();
    let made: Vec<&Value> = executions.iter().filter(|e| e["user_query"] == query).collect();
    let answer = &answered.answer;
    if answer["status"] != "completed" {
        f.violations.push(format!(
            "execute {query:?} answered {} ({})",
            answer["status"], answer["error_message"]
        ));
    }
    if made.len() != 1 || made[0]["id"] != answer["id"] {
        let ids: Vec<(&Value, &Value)> = made.iter().map(|e| (&e["id"], &e["status"])).collect();
        f.violations.push(format!(
            "execute {query:?}: executions {ids:?} for one key, answered {}",
            answer["id"]
        ));
    }
}

async fn check_job(
    api: &str,
    job: &Value,
    completed_executions: usize,
    f: &mut RoundFindings,
) -> Result<(), String> {
    let id = job["job_id"].as_str().unwrap_or("?");
    if job["status"] != "COMPLETE" {
        f.violations.push(format!("job {id} ended {} ({})", job["status"], job["error"]));
        return Ok(());
    }
    f.complete += 1;
    if completed_executions != 1 {
        f.violations.push(format!("job {id}: {completed_executions} completed executions"));
    }
    let Some(execution) = job["execution_id"].as_str() else {
        f.violations.push(format!("job {id} COMPLETE without an execution"));
        return Ok(());
    };
    let e = get_json(api, &format!("/api/executions/{execution}")).await?;
    if e["status"] != "completed" || e["final_result"] != job["answer"] {
        f.violations.push(format!(
            "job {id} COMPLETE ({}) but its execution {execution} is {} ({})",
            job["answer"], e["status"], e["final_result"]
        ));
    }
    // An execution goes on from its checkpoint in a later delivery: its
    // attempts are marked (`attempts`, one per delivery that ran it).
    if e["attempts"].as_array().is_some_and(|a| a.len() > 1) {
        f.resumed_executions += 1;
    }
    Ok(())
}

/// A run-unique tag (keys of one run never meet another's).
pub fn run_tag(round: usize) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("r{round}-{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
