//! `queue` rows (the `nats.*` and `jobs.*` knobs): one process of a
//! deployment of its own (an api, or a worker, alone on a private NATS and a
//! PostgreSQL schema of its own, both removed after it), with the knob and
//! without it, observed through what it did: the streams and the consumer
//! NATS holds (the server's own /jsz), the process's lease row, a
//! submission's status, the api's /metrics and its idempotency keys. Every
//! process of a deployment reads one rlm.toml (a worker refuses queue
//! settings other than its deployment's), so a lone process is one with the
//! deployment's knob.

use rlm_testenv::services::PrivateNats;

use super::*;

/// The deployment's stream, unless the row is `nats.stream`'s.
const DEPLOYMENT_STREAM: &str = "RLM_KNOB_DEPLOYMENT";
/// How long a run with the knob may take to show it: a wide margin.
const WITH_WAIT: Duration = Duration::from_secs(10);
/// How long the control run is watched (the probes' knobs are seconds,
/// their defaults a minute or more).
const CONTROL_WAIT: Duration = Duration::from_secs(5);
/// How long a `backlog` probe submits, with the knob and without it: the
/// relay measures the outbox after each publication it tried, and one to
/// a stopped NATS takes its 3 s timeout.
const BACKLOG_WAIT: Duration = Duration::from_secs(15);

/// One process of a deployment of its own.
struct Deployment {
    nats: PrivateNats,
    schema: String,
    /// `None`: it did not start (`nats.url`'s control has no queue).
    process: Option<cluster_env::Process>,
    _dir: tempfile::TempDir,
}

impl Deployment {
    /// `role` alone on a private NATS and a schema of its own, with the
    /// row's knob set `way` when `with_knob` (`{nats}` in its value: the
    /// private NATS's URL), the deployment's URL and stream otherwise.
    fn start(row: &Row, role: &str, way: Way, with_knob: bool) -> Deployment {
        let nats = PrivateNats::start();
        let row = Row { value: row.value.replace("{nats}", &nats.url()), ..row.clone() };
        let dir = probe_dir(&row);
        let d = dir.path();
        let mut setting = setting(&row, d, way, with_knob);
        if row.key != "nats.url" {
            setting.set("nats.url", &nats.url(), way);
        }
        if row.key != "nats.stream" {
            setting.set("nats.stream", DEPLOYMENT_STREAM, way);
        }
        let schema = cluster_env::unique("rlm_knob");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&lines);
        let started = crate::serve_child::spawn_serve(
            |c| {
                c.args(["--role", role, "--workers", "1", "--script", "script.json"])
                    .arg("--data")
                    .arg(d.join("data"))
                    .args(["--database-url", &cluster_env::database_url()])
                    .args(["--database-schema", &schema])
                    .current_dir(d);
                setting.apply(c, d);
            },
            move |line| seen.lock().expect("its lines").push(line.to_string()),
        );
        let process = match started {
            Ok((child, base)) => Some(cluster_env::Process { child, base, lines }),
            Err(mut child) => {
                let _ = child.wait();
                None
            }
        };
        Deployment { nats, schema, process, _dir: dir }
    }

    fn base(&self, what: &str) -> &str {
        &self.process.as_ref().unwrap_or_else(|| panic!("{what}: the process did not start")).base
    }

    /// Stops the process and NATS; drops the schema.
    async fn clean_up(mut self) {
        drop(self.process.take());
        self.nats.kill();
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        pg().await.batch_execute(&sql).await.expect("drop the probe's schema");
    }

    /// The streams NATS holds, with their consumers' settings (/jsz).
    async fn streams(&self) -> Vec<Value> {
        let url = format!(
            "{}/jsz?accounts=true&streams=true&consumers=true&config=true",
            self.nats.monitor_url()
        );
        let jsz: Value = reqwest::get(url).await.expect("GET /jsz").json().await.expect("JSON");
        let accounts = jsz["account_details"].as_array().cloned().unwrap_or_default();
        accounts
            .iter()
            .flat_map(|a| a["stream_detail"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// A field of the config of the deployment's consumer (`workers`).
    async fn consumer_setting(&self, field: &str) -> Option<i64> {
        let streams = self.streams().await;
        let consumers = streams.iter().flat_map(|s| s["consumer_detail"].as_array().cloned());
        let workers = consumers.flatten().find(|c| c["name"] == rlm_queue::CONSUMER)?;
        workers["config"][field].as_i64()
    }

    /// A session with a context, for the jobs.
    async fn session(&self, what: &str) -> String {
        let body = json!({"name": "knob probe", "context": "a small context"});
        let (status, s) = cluster_env::post(self.base(what), "/api/sessions", body).await;
        assert_eq!(status, 200, "{what}: {s}");
        s["id"].as_str().unwrap_or_default().to_string()
    }

    /// Submits a job (with `key` as its `Idempotency-Key`): its status and answer.
    async fn submit(&self, what: &str, session: &str, key: Option<&str>) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/api/jobs", self.base(what)))
            .json(&json!({"session_id": session, "user_query": "what does it say?"}))
            .timeout(Duration::from_secs(30));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.expect("POST /api/jobs");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A connection to the machine's PostgreSQL.
async fn pg() -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&cluster_env::database_url(), tokio_postgres::NoTls)
            .await
            .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

/// `check` true within `wait` (polled).
async fn within<F: std::future::Future<Output = bool>>(
    wait: Duration,
    check: impl Fn() -> F,
) -> bool {
    let deadline = std::time::Instant::now() + wait;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether the row's effect (`expect`: a word and its argument) shows in
/// the deployment within `wait`.
async fn shows(dep: &mut Deployment, what: &str, expect: &str, wait: Duration) -> bool {
    let (word, arg) = expect.split_once(' ').unwrap_or((expect, ""));
    let number = arg.parse::<i64>().unwrap_or(0);
    let status = u16::try_from(number).unwrap_or(0);
    match word {
        "nats_down" => return nats_down_answer(dep, what).await == (status, true),
        "backlog" => return backlog_refused(dep, what, status, BACKLOG_WAIT).await,
        _ => {}
    }
    let dep = &*dep;
    match word {
        // NATS holds a stream of this name.
        "stream" => {
            within(wait, || async move { dep.streams().await.iter().any(|s| s["name"] == arg) })
                .await
        }
        // The consumer's ack wait (JSON: nanoseconds), and its delivery bound.
        "ack_wait_secs" => {
            let ns = number * 1_000_000_000;
            within(wait, || async move { dep.consumer_setting("ack_wait").await == Some(ns) }).await
        }
        "max_deliver" => {
            within(
                wait,
                || async move { dep.consumer_setting("max_deliver").await == Some(number) },
            )
            .await
        }
        // The process's lease (renewed every third of it) ends more than
        // `arg` seconds ahead.
        "lease_above" => {
            let sql = &format!("SELECT max(expires_at) FROM {}.process_leases", dep.schema);
            within(wait, || async move {
                let row = pg().await.query_one(sql.as_str(), &[]).await;
                let until = row.ok().and_then(|r| r.get::<_, Option<i64>>(0)).unwrap_or(0);
                until - now_micros() > number * 1_000_000
            })
            .await
        }
        // With no worker, a key's second job is answered `arg`.
        "second_job" => {
            let session = dep.session(what).await;
            let (first, body) = dep.submit(what, &session, None).await;
            assert_eq!(first, 200, "{what}: the first job: {body}");
            dep.submit(what, &session, None).await.0 == status
        }
        // A job waits with no worker: the sweep queues a copy of it (the api's /metrics).
        "republished" => {
            let session = dep.session(what).await;
            let (first, body) = dep.submit(what, &session, None).await;
            assert_eq!(first, 200, "{what}: the job: {body}");
            let metrics = &format!("{}/metrics", dep.base(what));
            within(wait, || async move {
                let text = match reqwest::get(metrics.as_str()).await {
                    Ok(r) => r.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                let copies = text
                    .lines()
                    .find_map(|l| l.strip_prefix("rlm_sweep_republished_total "))
                    .and_then(|v| v.trim().parse::<f64>().ok());
                copies.is_some_and(|n| n >= 1.0)
            })
            .await
        }
        // A job's idempotency key, made two hours old, is deleted by the sweep.
        "key_swept" => {
            let session = dep.session(what).await;
            let (first, body) = dep.submit(what, &session, Some("knob-probe-key")).await;
            assert_eq!(first, 200, "{what}: the job: {body}");
            let table = format!("{}.idempotency_keys", dep.schema);
            let two_hours: i64 = 2 * 3600 * 1_000_000;
            let age = format!("UPDATE {table} SET created_at = created_at - $1");
            let aged = pg().await.execute(age.as_str(), &[&two_hours]).await.expect("age the key");
            assert_eq!(aged, 1, "{what}: the job's idempotency key is not stored");
            let count = &format!("SELECT count(*) FROM {table}");
            within(wait, || async move {
                let row = pg().await.query_one(count.as_str(), &[]).await;
                row.is_ok_and(|r| r.get::<_, i64>(0) == 0)
            })
            .await
        }
        other => panic!("{what}: a queue probe has no effect {other:?}"),
    }
}

/// `nats_down`: NATS stops; a job is submitted a second later, and
/// another three seconds later: its status, and whether its refusal
/// names NATS unreachable.
async fn nats_down_answer(dep: &mut Deployment, what: &str) -> (u16, bool) {
    let session = dep.session(what).await;
    dep.nats.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    dep.submit(what, &session, None).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, body) = dep.submit(what, &session, None).await;
    (status, body.to_string().contains("unreachable"))
}

/// `backlog`: NATS stops; jobs are submitted one a second, within `wait`
/// (as long in both runs), until one is answered `status` for the messages
/// waiting in the outbox.
async fn backlog_refused(dep: &mut Deployment, what: &str, status: u16, wait: Duration) -> bool {
    let session = dep.session(what).await;
    dep.nats.kill();
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        let (answered, body) = dep.submit(what, &session, None).await;
        if answered == status && body.to_string().contains("wait to be published") {
            return true;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    false
}

fn now_micros() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Each `queue` row's effect on each role honouring it, where
/// [`effect_observed`] says so: one way per cell (rotated), with the
/// knob and without it, each run in a deployment of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_knobs_show_in_a_deployment_s_api_and_worker() {
    let rows = table();
    for (row, front_end, way) in observed_cells(&rows, "queue", &["serve-api", "serve-worker"]) {
        let role = if front_end == "serve-api" { "api" } else { "worker" };
        let expect = row.expect.as_deref().unwrap_or_default();
        let mut seen = [false; 2];
        for (with_knob, wait) in [(true, WITH_WAIT), (false, CONTROL_WAIT)] {
            let what = format!(
                "{front_end}, {} = {:?} as {way:?} (with it: {with_knob})",
                row.key, row.value
            );
            let mut dep = Deployment::start(row, role, way, with_knob);
            if with_knob {
                assert!(dep.process.is_some(), "{what}: did not start");
            }
            seen[usize::from(!with_knob)] = shows(&mut dep, &what, expect, wait).await;
            dep.clean_up().await;
        }
        let what = format!("{front_end}, {} = {:?} as {way:?}", row.key, row.value);
        assert!(seen[0], "{what}: no {expect:?} with the knob");
        assert!(!seen[1], "{what}: {expect:?} in the control run too");
    }
}
