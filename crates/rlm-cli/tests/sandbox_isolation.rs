//! Process isolation (issue #33): runs whose programs live in sandbox worker
//! processes of this very `rlm` binary (`rlm sandbox-worker`). They answer
//! as in-process runs do; a worker killed mid-execution fails only that
//! execution, naming the signal, and the next one works; the OS address
//! space limit stops what a (test-raised) interpreter budget would allow;
//! a worker can neither open a file nor make a socket, and starts with no
//! descriptor but its socket and its standard ones.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_context::Context;
use rlm_core::adapters::FakeAdapter;
use rlm_core::sandbox::{OsLimits, PoolConfig, ProcessHost, SandboxHost, WorkerPool};
use rlm_core::{Finish, Rlm, RunResult};

fn pool_config(limits: &rlm_interp::Limits) -> PoolConfig {
    let mut config =
        ProcessHost::pool_config(env!("CARGO_BIN_EXE_rlm"), &["sandbox-worker"], limits);
    config.size = 1;
    config
}

fn isolated(config: PoolConfig) -> (SandboxHost, Arc<WorkerPool>) {
    let pool = WorkerPool::start(config).expect("the sandbox worker starts");
    (SandboxHost::process(Arc::clone(&pool)), pool)
}

fn context() -> Context {
    Context::from_documents(["alpha beta gamma", "delta epsilon"])
}

/// One run whose root model sends `program` then nothing more.
fn run(host: &SandboxHost, limits: rlm_interp::Limits, program: &str) -> RunResult {
    let reply = format!("```repl\n{program}\n```");
    let rlm = Rlm::builder()
        .root(Arc::new(FakeAdapter::replies([reply.as_str(), "FINAL(no answer)"])))
        .sub_model(Arc::new(FakeAdapter::echo()))
        .interpreter_limits(limits)
        .sandbox_host(host.clone())
        .build()
        .unwrap();
    rlm.run_blocking("what is here?", context()).unwrap()
}

const WORKING_PROGRAM: &str = r#"n = len(context)
docs = ctx.num_documents()
hits = grep("beta")
reply = llm_query("echo " + context[6:10])
memo = {"t": (1, 2.5, None), "s": [reply]}
FINAL(f"{n}/{docs}/{len(hits)}/{reply}/{memo}")"#;

#[test]
fn isolated_runs_answer_as_in_process_runs() {
    let limits = rlm_interp::Limits::default();
    let local = run(&SandboxHost::InProcess, limits.clone(), WORKING_PROGRAM);
    let (host, _pool) = isolated(pool_config(&limits));
    let remote = run(&host, limits.clone(), WORKING_PROGRAM);
    assert_eq!(local.finish, Finish::Final);
    assert_eq!(remote.finish, Finish::Final, "{:?}", remote.answer);
    assert!(local.answer.as_deref().unwrap().contains("/echo beta/"), "{:?}", local.answer);
    assert_eq!(remote.answer, local.answer);
    // The same worker serves the next execution, its context cached.
    let again = run(&host, limits, WORKING_PROGRAM);
    assert_eq!(again.answer, local.answer);
}

#[test]
fn a_killed_worker_fails_only_its_execution_and_is_replaced() {
    let limits = rlm_interp::Limits { fuel: u64::MAX / 4, ..Default::default() };
    let (host, pool) = isolated(pool_config(&limits));
    let started = Instant::now();
    let victim = loop {
        if let Some(&pid) = pool.idle_pids().first() {
            break pid;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no idle worker");
        std::thread::sleep(Duration::from_millis(10));
    };
    let busy_host = host.clone();
    let busy_limits = limits.clone();
    let busy =
        std::thread::spawn(move || run(&busy_host, busy_limits, "x = 0\nwhile True:\n    x += 1"));
    while pool.idle_pids().contains(&victim) {
        assert!(started.elapsed() < Duration::from_secs(30), "the worker was never taken");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let killed =
        std::process::Command::new("kill").args(["-KILL", &victim.to_string()]).status().unwrap();
    assert!(killed.success());
    let result = busy.join().unwrap();
    match &result.finish {
        Finish::SandboxFailed { reason } => {
            assert!(reason.contains("SIGKILL"), "{reason}");
        }
        other => panic!("expected a sandbox failure, got {other:?}"),
    }
    assert_eq!(result.answer, None);
    let next = run(&host, rlm_interp::Limits::default(), WORKING_PROGRAM);
    assert_eq!(next.finish, Finish::Final, "{:?}", next.answer);
}

#[test]
fn the_address_space_limit_stops_what_the_interpreter_budget_allows() {
    // A test configuration: the interpreter would let the program take
    // 8 GiB, the OS gives the worker 1.5 GiB of address space (an idle
    // worker maps 1.1 GB, mostly mimalloc's reserved arena).
    let limits =
        rlm_interp::Limits { memory_bytes: 8 << 30, max_str_len: 4 << 30, ..Default::default() };
    let mut config = pool_config(&rlm_interp::Limits::default());
    config.limits.address_space_bytes = Some(1536 << 20);
    let (host, _pool) = isolated(config);
    let result = run(&host, limits, "s = 'a' * (3 * 2**30)\nprint(len(s))");
    match &result.finish {
        Finish::SandboxFailed { reason } => {
            assert!(reason.contains("SIGABRT") || reason.contains("SIGSEGV"), "{reason}");
        }
        other => panic!("expected the worker to die, got {other:?} ({:?})", result.answer),
    }
    let next = run(&host, rlm_interp::Limits::default(), WORKING_PROGRAM);
    assert_eq!(next.finish, Finish::Final, "{:?}", next.answer);
}

#[test]
fn a_worker_can_open_no_file_and_make_no_socket() {
    let config = pool_config(&rlm_interp::Limits::default());
    assert_eq!(
        config.limits,
        OsLimits { address_space_bytes: config.limits.address_space_bytes, ..OsLimits::default() }
    );
    let pool = WorkerPool::start(config).unwrap();
    let host = ProcessHost::new(Arc::clone(&pool));
    let (_, report) = host.probe().unwrap();
    assert_ne!(report.open_file, "allowed");
    assert_ne!(report.open_socket, "allowed");
    assert!(report.open_file.contains("not permitted"), "{}", report.open_file);
    let worker = pool.acquire().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{}/status", worker.pid())).unwrap();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or("").to_string()
    };
    assert_eq!(field("Seccomp:"), "2", "{status}");
    assert_eq!(field("NoNewPrivs:"), "1", "{status}");
    eprintln!("worker confinement: {:?}", worker.confinement());
    assert!(worker.confinement().seccomp && worker.confinement().no_new_privs);
}

/// What each open descriptor of process `pid` is (`socket:[N]`, `pipe:[N]`, a path).
fn descriptors(pid: &str) -> std::collections::BTreeMap<i32, String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let fd = e.file_name().to_str()?.parse().ok()?;
            Some((fd, std::fs::read_link(e.path()).ok()?.display().to_string()))
        })
        .collect()
}

/// A pipe without close-on-exec, as one a server's own parent left open (or
/// a jobserver's) would be: its two descriptors.
#[allow(unsafe_code)] // pipe(2) into a local array; the descriptors are closed by the caller
fn inheritable_pipe() -> [libc::c_int; 2] {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe(2) to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    fds
}

#[test]
#[allow(unsafe_code)] // closing the two descriptors `inheritable_pipe` opened
fn a_worker_holds_its_socket_and_standard_descriptors_only() {
    let stray_fds = inheritable_pipe();
    let ours = descriptors("self");
    let stray = [&ours[&stray_fds[0]], &ours[&stray_fds[1]]];
    let pool = WorkerPool::start(pool_config(&rlm_interp::Limits::default())).unwrap();
    let worker = pool.acquire().unwrap();
    let theirs = descriptors(&worker.pid().to_string());
    eprintln!("worker descriptors: {theirs:?}");
    assert!(theirs[&0].starts_with("socket:"), "stdin is its socket: {theirs:?}");
    assert_eq!(theirs[&1], "/dev/null", "{theirs:?}");
    assert!(theirs[&2].starts_with("pipe:"), "stderr is a pipe of its own: {theirs:?}");
    assert_ne!(theirs[&2], ours[&2], "not the server's stderr");
    for (fd, target) in theirs.range(3..) {
        assert_eq!(target, &theirs[&0], "fd {fd} is not its socket: {theirs:?}");
    }
    assert!(!theirs.values().any(|t| stray.contains(&t)), "a stray pipe: {theirs:?}");
    drop(worker);
    for fd in stray_fds {
        // SAFETY: both are this test's own descriptors, closed once.
        unsafe { libc::close(fd) };
    }
}
