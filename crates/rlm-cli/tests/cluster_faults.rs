//! The cluster keeps its word under ordinary faults (issues #55, #75). The
//! test starts its own PostgreSQL, NATS JetStream and Redis, an api and
//! three workers on them (`support/fault_deployment.rs`), runs a workload of
//! 10 sessions, 60 jobs and 20 synchronous executes with the scripted
//! model, every request submitted as a careful client does
//! (`Idempotency-Key`, retried on timeouts, 5xx, 409 and dropped
//! connections: `support/fault_workload.rs`), and meanwhile injects faults
//! in a random order, each `RLM_FAULT_REPEATS` times (default 2) per round:
//! kill -9 of a worker, kill -9 of the api (restarted on its port),
//! `pg_terminate_backend` bursts on the deployment's connections, the
//! database stopped past the lease (`RLM_FAULT_DB_DOWN_SECS`, default 6-10),
//! a NATS restart (kill -9), a Redis stop, and a worker frozen past its
//! lease then thawed (two workers run one job at once). Then it checks: one
//! session per session key; one execution per execute key, answered
//! `completed`; every acknowledged job ended exactly once (COMPLETE, one
//! completed execution) and its execution agrees with it; history turns
//! equal completed executions; each session's spend is the sum of its
//! executions'; no execution spent fewer output tokens than a whole
//! fault-free run (the sum over its attempts); nothing is left PENDING or
//! RUNNING after the sweep period; client retries with one key made one job.
//!
//! CI runs one round. The long run of BENCHMARKS.md (each fault 20 times,
//! the database stopped 20-60 s):
//! `RLM_FAULT_ROUNDS=20 RLM_FAULT_REPEATS=1 RLM_FAULT_DB_DOWN_SECS=20-60
//! cargo test --release -p rlm-cli --test suite cluster_faults:: -- --nocapture`
//! (`RLM_FAULT_QUIET_ROUNDS=N` first runs N rounds without faults, the same
//! workload's latency; the seed is printed; `RLM_FAULT_SEED` replays an
//! order). Each round prints one `fault-round:` JSON line with its counts.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::fault_deployment;
use crate::fault_workload;

use fault_deployment::{Deployment, Order, inject};
use fault_workload::{ClientTally, Workload, check_invariants, run_tag, settled_jobs};
use serde_json::{Value, json};

/// The seconds a delivery may go without a heartbeat (the lease), for every role.
const ACK_WAIT_SECS: u64 = 3;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Four root steps of a conversation-keyed script, so a run resumed on
/// another worker is answered at its step.
fn script() -> Value {
    let reply = |text: &str| json!({ "text": text, "delay_ms": 150 });
    let after = |output: &str, text: &str| json!({ "pattern": output, "target": "all", "reply": reply(text) });
    json!({
        "model": "faults",
        "rules": [
            after("step three", "FINAL('done')"),
            after("step two", "Third step.\n```repl\nprint('step ' + 'three')\n```"),
            after("step one", "Second step.\n```repl\nprint('step ' + 'two')\n```"),
        ],
        "replies": [reply("First step.\n```repl\nprint('step ' + 'one')\n```")],
        "when_exhausted": { "fixed": "FINAL('the script has no more replies')" }
    })
}

/// The tokens one whole fault-free run spends (input, output).
async fn reference_spend(api: &str) -> (u64, u64) {
    let tally = ClientTally::default();
    let client = reqwest::Client::new();
    let body = json!({"name": "reference", "context": "the reference run"});
    let url = format!("{api}/api/sessions");
    let session = fault_workload::post_idempotent(
        &client,
        &url,
        "reference-session",
        &body,
        &tally,
        Duration::from_secs(60),
    )
    .await
    .expect("the reference session");
    let body = json!({"session_id": session["id"], "user_query": "the reference job"});
    let url = format!("{api}/api/jobs");
    let job = fault_workload::post_idempotent(
        &client,
        &url,
        "reference-job",
        &body,
        &tally,
        Duration::from_secs(60),
    )
    .await
    .expect("the reference job");
    let ack = fault_workload::Acknowledged {
        key: "reference-job".into(),
        session: session["id"].as_str().unwrap().into(),
        job: job["job_id"].as_str().unwrap().into(),
    };
    let jobs =
        settled_jobs(api, &[ack], Duration::from_secs(60)).await.expect("the reference job ends");
    let job = jobs.values().next().unwrap();
    assert_eq!(job["status"], "COMPLETE", "{job}");
    let e = fault_workload::get_json(
        api,
        &format!("/api/executions/{}", job["execution_id"].as_str().unwrap()),
    )
    .await
    .unwrap();
    let spent =
        (e["total_input_tokens"].as_u64().unwrap(), e["total_output_tokens"].as_u64().unwrap());
    assert!(spent.0 > 0 && spent.1 > 0, "the scripted model reports no usage: {e}");
    spent
}

/// One round: the workload while the faults run, then the invariants.
async fn round(
    deployment: Arc<std::sync::Mutex<Deployment>>,
    round: usize,
    seed: u64,
    repeats: usize,
    reference: (u64, u64),
) {
    let api = deployment.lock().unwrap().api();
    let tally = Arc::new(ClientTally::default());
    let workload = Workload {
        api: api.clone(),
        run: run_tag(round),
        sessions: 10,
        jobs: 60,
        executes: 20,
        spread: Duration::from_secs(30),
    };
    let started = Instant::now();
    let faults = {
        let deployment = Arc::clone(&deployment);
        std::thread::spawn(move || {
            let mut order = Order::new(seed);
            let planned = order.faults(repeats);
            let gap = Duration::from_secs(30) / planned.len().max(1) as u32;
            let mut done = Vec::new();
            for fault in planned {
                std::thread::sleep(gap);
                let what = inject(&mut deployment.lock().unwrap(), fault, &mut order);
                done.push(json!({"fault": fault, "at_ms": started.elapsed().as_millis() as u64, "did": what}));
            }
            done
        })
    };
    let submitted = workload.submit_all(&tally).await.unwrap_or_else(|e| {
        panic!("the workload failed: {e}\n{}", deployment.lock().unwrap().tail(60))
    });
    let injected = tokio::task::spawn_blocking(move || faults.join().expect("the fault thread"))
        .await
        .unwrap();
    // The sweep period: a lease and a redelivery, with room for a loaded machine.
    let jobs = settled_jobs(&api, &submitted.jobs, Duration::from_secs(ACK_WAIT_SECS * 10 + 90))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", deployment.lock().unwrap().tail(80)));
    let findings =
        check_invariants(&api, &submitted, &jobs).await.expect("the invariants are readable");
    let mut violations = findings.violations.clone();
    if tally.key_mismatches.load(Ordering::Relaxed) > 0 {
        violations.push(format!(
            "{} retries with a key named another job",
            tally.key_mismatches.load(Ordering::Relaxed)
        ));
    }
    let spends = spends_of(&api, &jobs).await;
    // The script's replies are the same in every run, so a whole run's
    // output tokens are fixed (its input grows with the session's history):
    // an execution that counted only its last attempt spent fewer.
    if let Some(low) = spends.iter().find(|s| s.1 < reference.1) {
        violations.push(format!(
            "an execution spent {low:?} tokens (input, output): fewer output tokens than a whole run's {reference:?}"
        ));
    }
    let latencies = job_latencies_ms(&jobs);
    println!(
        "fault-round: {}",
        json!({
            "round": round, "seed": seed, "faults": injected, "findings": findings,
            "client": {
                "attempts": tally.attempts.load(Ordering::Relaxed),
                "retries": tally.retries.load(Ordering::Relaxed),
                "unavailable_503": tally.unavailable_503.load(Ordering::Relaxed),
                "timeouts": tally.timeouts.load(Ordering::Relaxed),
                "connection_errors": tally.connection_errors.load(Ordering::Relaxed),
            },
            "job_latency_ms": {"p50": percentile(&latencies, 50), "p99": percentile(&latencies, 99)},
            "spend_per_execution": {"reference": reference, "max": spends.iter().max()},
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    if !violations.is_empty() {
        let deployment = deployment.lock().unwrap();
        let kept = deployment.keep_log(&format!("cluster_faults-{seed}-round-{round}"));
        panic!("round {round} (seed {seed}): {violations:#?}\n{kept}\n{}", deployment.tail(80));
    }
}

/// Each completed job's execution's tokens (input, output).
async fn spends_of(api: &str, jobs: &std::collections::BTreeMap<String, Value>) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for job in jobs.values().filter(|j| j["status"] == "COMPLETE") {
        let Some(execution) = job["execution_id"].as_str() else { continue };
        if let Ok(e) = fault_workload::get_json(api, &format!("/api/executions/{execution}")).await
        {
            out.push((
                e["total_input_tokens"].as_u64().unwrap_or(0),
                e["total_output_tokens"].as_u64().unwrap_or(0),
            ));
        }
    }
    out
}

/// Created-to-finished milliseconds of the ended jobs, sorted.
fn job_latencies_ms(jobs: &std::collections::BTreeMap<String, Value>) -> Vec<u64> {
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok();
    let mut out: Vec<u64> = jobs
        .values()
        .filter_map(|j| {
            Some((at(&j["finished_at"])? - at(&j["created_at"])?).num_milliseconds().max(0) as u64)
        })
        .collect();
    out.sort_unstable();
    out
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) * p).div_ceil(100)]
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn acknowledged_jobs_end_exactly_once_under_worker_api_database_nats_and_redis_faults() {
        let rounds = env_number("RLM_FAULT_ROUNDS", 1) as usize;
        let repeats = env_number("RLM_FAULT_REPEATS", 2) as usize;
        let seed = env_number(
            "RLM_FAULT_SEED",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64),
        );
        println!("fault seed: {seed} ({rounds} rounds, each fault {repeats} times a round)");
        let ack_wait = ACK_WAIT_SECS.to_string();
        let deployment = tokio::task::spawn_blocking(move || {
            Deployment::start(&script(), 3, &["--nats-ack-wait-secs", &ack_wait, "--nats-max-attempts", "10"])
        })
        .await
        .unwrap();
        let api = deployment.api();
        let deployment = Arc::new(std::sync::Mutex::new(deployment));
        let reference = reference_spend(&api).await;
        // Rounds without faults first (the same workload's latency on a quiet deployment).
        let quiet = env_number("RLM_FAULT_QUIET_ROUNDS", 0) as usize;
        for r in 0..quiet + rounds {
            let faults = if r < quiet { 0 } else { repeats };
            round(Arc::clone(&deployment), r, seed.wrapping_add(r as u64), faults, reference).await;
        }
        tokio::task::spawn_blocking(move || drop(deployment)).await.unwrap();
    }
}
