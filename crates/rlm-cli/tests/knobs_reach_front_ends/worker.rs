//! `rlm serve --role worker` in a deployment of its own: every knob's effect, or its start-up warning.

use super::*;

/// The knobs' flags `cluster_env` gives a deployment's every process (its
/// own `--nats-ack-wait-secs` gives way to one the probe sets).
pub(super) const DEPLOYMENT_FLAGS: [&str; 2] = ["nats-url", "nats-stream"];

/// Each knob set on a `rlm serve --role worker` process, one way per knob
/// (rotated), each in a deployment of its own (a schema and a stream,
/// removed after it: a worker refuses queue settings its deployment's
/// first process did not have): a knob the worker honours starts it
/// without a warning; any other is named (or refused, naming it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn every_knob_reaches_a_serve_worker_or_is_named_at_start_up() {
    for (i, row) in table().iter().enumerate() {
        let mut way = WAYS[(i + 1) % 3];
        // A flag the deployment gives every process itself would be given
        // twice (refused at start-up whatever the knob): that knob is set by
        // the environment instead, where the rotation would make it a flag.
        if way == Way::Flag && DEPLOYMENT_FLAGS.contains(&knob_of(&row.key).flag) {
            way = Way::Env;
        }
        let dir = probe_dir(row);
        let script = json!({"model": "knobs", "replies": ["FINAL('done')"]});
        let (cluster, flags) = deployment_with(row, dir.path(), way, true, script);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let started = cluster.try_spawn_with("worker", &flags);
        let (stderr, ran) = match started {
            Ok(mut worker) => {
                worker.kill();
                let lines = worker.lines.lock().expect("its lines").join("\n");
                (lines, true)
            }
            Err(lines) => (lines.join("\n"), false),
        };
        cluster.clean_up().await;
        let what = format!("rlm serve --role worker, {} = {:?} as {way:?}", row.key, row.value);
        match (row.honoured_by("serve-worker"), ran) {
            (true, true) => {
                assert!(!warning_names(&stderr, row), "{what}: warned although honoured")
            }
            (true, false) => panic!("{what}: did not start: {stderr}"),
            // Not applicable: named at start-up, whether it starts or refuses to.
            (false, _) => assert!(warning_names(&stderr, row), "{what}: not named: {stderr}"),
        }
    }
}

/// A deployment of its own (the machine's PostgreSQL and NATS) whose
/// processes read the row's settings (its knob set `way` when `with_knob`,
/// its `also`; the rlm.toml in `dir`), with the flags a process is given
/// them by (`Cluster::try_spawn_with`'s extra flags: the deployment's own
/// ack wait gives way to one set there).
pub(super) fn deployment_with(
    row: &Row,
    dir: &Path,
    way: Way,
    with_knob: bool,
    script: Value,
) -> (cluster_env::Cluster, Vec<String>) {
    let setting = setting(row, dir, way, with_knob);
    let file = dir.join("rlm.toml");
    std::fs::write(&file, &setting.toml).expect("write rlm.toml");
    let mut cluster = cluster_env::Cluster::with_script(cluster_env::SHARED_NATS, script);
    cluster.envs = setting.env.clone();
    cluster.envs.push(("RLM_CONFIG".into(), file.display().to_string()));
    (cluster, setting.flags)
}

/// A worker with the row's knob set `way` when `with_knob`, started in a
/// deployment of its own after `prepare` (a file in its data folder);
/// `what` names it if it does not start.
pub(super) fn worker_in_deployment(
    row: &Row,
    dir: &Path,
    (way, with_knob): (Way, bool),
    what: &str,
    prepare: impl FnOnce(&cluster_env::Cluster),
) -> (cluster_env::Cluster, cluster_env::Process) {
    let (cluster, flags) = deployment_with(row, dir, way, with_knob, script(row));
    prepare(&cluster);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let worker = cluster.try_spawn_with("worker", &flags);
    let worker = worker.unwrap_or_else(|lines| panic!("{what}: did not start: {lines:?}"));
    (cluster, worker)
}

// ---------------------------------------------------------------- serve-worker effects

/// One job through a deployment of its own (an api without the knob, and a
/// worker with the row's knob set `way` when `with_knob`): the job's answer
/// and its programs' errors, read through the api. A `file` row's path
/// exists after it.
pub(super) async fn worker_effect_probe(row: &Row, way: Way, with_knob: bool) -> Observed {
    let dir = probe_dir(row);
    let d = dir.path();
    let what =
        format!("rlm serve --role worker, {} set as {way:?} (with it: {with_knob})", row.key);
    let (mut cluster, flags) = deployment_with(row, d, way, with_knob, script(row));
    // The knob is the worker's alone: the effect is the worker's doing.
    let envs = std::mem::take(&mut cluster.envs);
    let api = cluster.spawn("api");
    cluster.envs = envs;
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let worker = cluster.try_spawn_with("worker", &flags);
    let worker = worker.unwrap_or_else(|lines| panic!("{what}: did not start: {lines:?}"));
    let session = cluster_env::session(&api).await;
    let body = json!({"session_id": session, "user_query": "what does the context say?"});
    let (status, job) = cluster_env::post(&api.base, "/api/jobs", body).await;
    assert!((200..300).contains(&status), "{what}: {status} {job}");
    let ids = [job["job_id"].as_str().unwrap_or_default().to_string()];
    let jobs = cluster_env::ended(&api, &ids, Duration::from_secs(120)).await;
    let job = &jobs[0];
    let events = match job["execution_id"].as_str() {
        Some(id) => cluster_env::trace(&api, id).await,
        None => Vec::new(),
    };
    let exported = exported_by_a_server(row, with_knob, d).await;
    drop((api, worker));
    cluster.clean_up().await;
    if with_knob && row.probe == "file" {
        assert_file_written(&what, row, d);
    }
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    let observed = observed_in(job["answer"].as_str().map(str::to_string), &lines.join("\n"));
    // The job has ended: its requests to the provider were made.
    let provider = provider_requests(d);
    Observed { exported, redis_keys: redis_keys_of(row, d), provider, ..observed }
}

/// The effect of each knob a worker honours, where [`effect_observed`] says
/// so: one way per knob (rotated), with the knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn every_knob_s_effect_reaches_a_serve_worker() {
    for (i, row) in table().iter().enumerate() {
        // The server probes are the files' of their own (connections.rs, queue.rs, ...).
        if !effect_observed(row, "serve-worker") || !SCRIPTED_PROBES.contains(&row.probe.as_str()) {
            continue;
        }
        let way = WAYS[i % 3];
        let what = format!("rlm serve --role worker, {} = {:?} as {way:?}", row.key, row.value);
        let with = worker_effect_probe(row, way, true).await;
        // A `file` row's path was checked in the probe.
        if row.probe != "file" {
            assert_effect(&what, row, &with, &worker_effect_probe(row, way, false).await);
        }
    }
}
