//! The pool of worker processes: started ahead of need, handed out one
//! execution at a time, taken back when the execution ended cleanly, and
//! replaced (in the background) when one died, misbehaved or used half of
//! its CPU allowance. A worker that is not given back is killed and reaped
//! when dropped: nothing outlives its owner.

use std::ffi::OsString;
use std::io::Read as _;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::channel::Channel;
use crate::confine::{Confinement, OsLimits};
use crate::error::{ChannelError, SandboxError};
use crate::worker::{Setup, SetupReply};

/// How long a worker may take to start and confine itself.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start workers and what limits they take.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The executable (the `rlm` binary) and its arguments (the hidden
    /// worker subcommand).
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Workers kept started and idle.
    pub size: usize,
    pub limits: OsLimits,
}

impl PoolConfig {
    /// `program args...` with the default limits and one worker per core.
    pub fn new(program: impl Into<PathBuf>, args: &[&str]) -> PoolConfig {
        PoolConfig {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
            size: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            limits: OsLimits::default(),
        }
    }
}

/// Started workers waiting for an execution (see the module docs).
#[derive(Debug)]
pub struct WorkerPool {
    config: PoolConfig,
    idle: Mutex<Vec<Worker>>,
    /// Pooled workers handed out and not yet given back.
    busy: AtomicUsize,
}

impl WorkerPool {
    /// Starts `config.size` workers; the first one must start, or the
    /// configuration is refused (a wrong program, a kernel that refuses the
    /// limits).
    pub fn start(config: PoolConfig) -> Result<Arc<WorkerPool>, SandboxError> {
        let first = Worker::spawn(&config, &config.limits)?;
        let pool = Arc::new(WorkerPool {
            config,
            idle: Mutex::new(vec![first]),
            busy: AtomicUsize::new(0),
        });
        pool.replenish_in_background();
        Ok(pool)
    }

    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// An idle worker, or a new one when none is idle (so an execution
    /// never waits for another: sub-RLMs hold one each).
    pub fn acquire(self: &Arc<Self>) -> Result<Worker, SandboxError> {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let worker = match idle {
            Some(w) => w,
            None => Worker::spawn(&self.config, &self.config.limits)?,
        };
        self.busy.fetch_add(1, Ordering::Relaxed);
        self.replenish_in_background();
        Ok(worker)
    }

    /// A worker of its own for an execution that needs `extra_bytes` more
    /// address space than the pool's workers have (a large context's
    /// mapping); it is never given back.
    pub fn acquire_dedicated(&self, extra_bytes: u64) -> Result<Worker, SandboxError> {
        let mut limits = self.config.limits.clone();
        limits.address_space_bytes =
            limits.address_space_bytes.map(|b| b.saturating_add(extra_bytes));
        let mut worker = Worker::spawn(&self.config, &limits)?;
        worker.dedicated = true;
        Ok(worker)
    }

    /// Takes back a worker whose execution ended cleanly; one that broke,
    /// is dedicated, used half its CPU allowance, or is one too many is
    /// ended instead.
    pub fn release(self: &Arc<Self>, worker: Worker) {
        let spent = match (worker.cpu_seconds(), self.config.limits.cpu_seconds) {
            (Some(used), Some(limit)) => used * 2.0 >= limit as f64,
            _ => false,
        };
        if !worker.dedicated {
            self.busy.fetch_sub(1, Ordering::Relaxed);
        }
        if worker.broken || worker.dedicated || spent {
            drop(worker);
            self.replenish_in_background();
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.config.size {
            idle.push(worker);
        }
    }

    /// Process ids of the idle workers.
    pub fn idle_pids(&self) -> Vec<u32> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).iter().map(|w| w.pid()).collect()
    }

    /// Starts workers until `size` are idle or busy, on a thread of its own
    /// (a steady stream of executions reuses the same workers).
    fn replenish_in_background(self: &Arc<Self>) {
        let missing = self.config.size.saturating_sub(self.live());
        if missing == 0 {
            return;
        }
        let pool = Arc::downgrade(self);
        std::thread::spawn(move || {
            for _ in 0..missing {
                let Some(pool) = pool.upgrade() else { return };
                if pool.live() >= pool.config.size {
                    return;
                }
                match Worker::spawn(&pool.config, &pool.config.limits) {
                    Ok(w) => pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push(w),
                    Err(_) => return,
                }
            }
        });
    }

    /// Pooled workers idle or busy.
    fn live(&self) -> usize {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).len()
            + self.busy.load(Ordering::Relaxed)
    }
}

/// One started, confined worker process and the parent's end of its socket.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    /// The worker's standard error (a pipe of its own): read once it has
    /// died, for what it said.
    stderr: Option<ChildStderr>,
    channel: Channel,
    confinement: Confinement,
    /// The protocol broke or the process died: never reused.
    broken: bool,
    /// Started for one execution: never reused.
    dedicated: bool,
}

impl Worker {
    fn spawn(config: &PoolConfig, limits: &OsLimits) -> Result<Worker, SandboxError> {
        let spawn_error =
            |source| SandboxError::Spawn { program: config.program.display().to_string(), source };
        let (ours, theirs) = UnixStream::pair().map_err(spawn_error)?;
        let mut command = Command::new(&config.program);
        command
            .args(&config.args)
            .env_clear()
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
            .stdout(Stdio::null())
            // Read back when it dies (`died`): what it said goes into the reason.
            .stderr(Stdio::piped());
        only_standard_fds(&mut command);
        let mut child = command.spawn().map_err(spawn_error)?;
        let stderr = child.stderr.take();
        let mut worker = Worker {
            child,
            stderr,
            channel: Channel::new(ours.into()),
            confinement: Confinement {
                address_space_bytes: None,
                cpu_seconds: None,
                no_new_privs: false,
                seccomp: false,
                landlock: String::new(),
            },
            broken: true,
            dedicated: false,
        };
        worker.channel.send(&Setup { limits: limits.clone() }, None)?;
        if !worker.channel.readable(START_TIMEOUT)? {
            return Err(SandboxError::Protocol("the worker did not start in time".into()));
        }
        match worker.channel.recv::<SetupReply>() {
            Ok((SetupReply::Ready(c), _)) => worker.confinement = c,
            Ok((SetupReply::Refused(why), _)) => return Err(SandboxError::Confine(why)),
            Err(ChannelError::Closed) => return Err(worker.died()),
            Err(e) => return Err(e.into()),
        }
        worker.broken = false;
        Ok(worker)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the worker did to itself before serving.
    pub fn confinement(&self) -> &Confinement {
        &self.confinement
    }

    /// The channel to the worker; a failed exchange should be followed by
    /// [`Worker::died`] (or [`Worker::mark_broken`]).
    pub fn channel(&mut self) -> &mut Channel {
        &mut self.channel
    }

    /// Never reuse this worker (its protocol state is unknown).
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// The worker's channel broke: waits for the process (killing it if it
    /// still runs) and says how it ended, naming the signal.
    pub fn died(&mut self) -> SandboxError {
        self.broken = true;
        let status = match self.child.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                // The socket closed first: give the exit a moment, then end it.
                std::thread::sleep(Duration::from_millis(20));
                match self.child.try_wait() {
                    Ok(Some(status)) => Some(status),
                    _ => {
                        let _ = self.child.kill();
                        self.child.wait().ok()
                    }
                }
            }
        };
        let mut reason = status.map(describe_exit).unwrap_or_else(|| "unknown".into());
        let said = self.last_words();
        if !said.is_empty() {
            reason.push_str(&format!(" (it said: {said})"));
        }
        SandboxError::Died { reason }
    }

    /// What the dead worker wrote on its standard error (its last
    /// [`LAST_WORDS_BYTES`] at most: a panic message, a refused setup).
    fn last_words(&mut self) -> String {
        let Some(stderr) = self.stderr.take() else { return String::new() };
        let mut said = Vec::new();
        // The process is reaped: the pipe ends at what it wrote.
        let _ = stderr.take(LAST_WORDS_BYTES).read_to_end(&mut said);
        String::from_utf8_lossy(&said).trim().to_string()
    }

    /// Ends the process now (a cancelled execution), and reaps it.
    pub fn kill(&mut self) {
        self.broken = true;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// CPU seconds the process used so far (user + system), from `/proc`.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command name (which may hold spaces) start at ')'.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The most of a dead worker's standard error its failure repeats.
const LAST_WORDS_BYTES: u64 = 2048;

/// A worker starts with its three standard descriptors only: every other
/// descriptor the server holds without close-on-exec (a pipe its own parent
/// left open, a jobserver's) is marked close-on-exec in the child before it
/// executes the worker. Best effort: a kernel without `close_range`'s
/// `CLOSE_RANGE_CLOEXEC` (before 5.11) starts the worker as before.
#[allow(unsafe_code)] // `pre_exec` is unsafe: one system call in the forked child
fn only_standard_fds(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and makes one
    // async-signal-safe system call (close_range), touching no memory.
    unsafe {
        command.pre_exec(|| {
            // The system call itself: glibc names it only from 2.34.
            let _ = libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            );
            Ok(())
        });
    }
}

/// "killed by signal 9 (SIGKILL)", "exited with status 3".
pub fn describe_exit(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(sig), _) => {
            let core = if status.core_dumped() { ", core dumped" } else { "" };
            format!("killed by signal {sig} ({}){core}", signal_name(sig))
        }
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => "ended".into(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGSYS => "SIGSYS",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTRAP => "SIGTRAP",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_described_by_signal_name_or_status() {
        assert_eq!(
            describe_exit(ExitStatus::from_raw(libc::SIGKILL)),
            "killed by signal 9 (SIGKILL)"
        );
        assert_eq!(describe_exit(ExitStatus::from_raw(3 << 8)), "exited with status 3");
    }
}
