//! Private instances of the services a deployment uses (PostgreSQL, NATS
//! JetStream, Redis), for the tests that stop, kill or cut them: each on a
//! free loopback port with its own data in a temporary folder, never the
//! machine's shared instances. Every one is killed on drop.
//!
//! PostgreSQL refuses to run as root, so under root `initdb` and `postgres`
//! run as the `postgres` user through `setpriv`, which execs: the child is
//! the server itself, so killing it kills the server.
//!
//! A test process that dies before its drops run (a panic on another
//! thread, a timeout's kill) would leave its servers running: each server's
//! pid is noted in a folder of the machine's temporary directory with its
//! test process's, and starting any private server first kills those whose
//! test process is gone.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until something accepts on `port` (panics after `within`).
pub fn wait_for_port(port: u16, what: &str, within: Duration) {
    let until = Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "private {what} did not start on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill();
        let _ = c.wait();
        untrack(c.id());
    }
}

/// Where the servers of running tests are noted (`<server pid>` holding
/// `<test pid>`).
fn registry() -> std::path::PathBuf {
    std::env::temp_dir().join("rlm-private-services")
}

fn track(child: &Child) {
    let dir = registry();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(child.id().to_string()), std::process::id().to_string());
}

fn untrack(pid: u32) {
    let _ = std::fs::remove_file(registry().join(pid.to_string()));
}

/// Kills the private servers of test processes that are gone.
fn reap_orphans() {
    let Ok(entries) = std::fs::read_dir(registry()) else { return };
    for entry in entries.flatten() {
        let server = entry.file_name().to_string_lossy().to_string();
        let owner = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if Path::new(&format!("/proc/{}", owner.trim())).exists() {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{server}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        if ["postgres", "nats-server", "redis-server"].iter().any(|n| cmdline.contains(n)) {
            let _ = Command::new("kill").args(["-9", &server]).status();
        }
        let _ = std::fs::remove_file(entry.path());
    }
}

/// Spawns a server, noted in the registry.
fn spawn_tracked(command: &mut Command, what: &str) -> Child {
    reap_orphans();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} is installed: {e}"));
    track(&child);
    child
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The PostgreSQL binaries' folder (Debian's layout), or the PATH's.
fn pg_bin(name: &str) -> String {
    for version in ["17", "16", "15", "14"] {
        let p = format!("/usr/lib/postgresql/{version}/bin/{name}");
        if Path::new(&p).exists() {
            return p;
        }
    }
    name.to_string()
}

/// A command that runs as `postgres` when this process is root.
fn pg_command(program: &str) -> Command {
    if running_as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A private PostgreSQL server (trust authentication, user `postgres`,
/// database `postgres`).
pub struct PrivatePostgres {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivatePostgres {
    /// Makes a cluster in a new folder and starts it.
    pub fn start() -> PrivatePostgres {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        if running_as_root() {
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(chown.success(), "cannot give the folder to postgres");
        }
        let init = pg_command(&pg_bin("initdb"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("initdb is installed");
        assert!(init.success(), "initdb failed");
        let mut pg = PrivatePostgres { port: free_port(), dir, child: None };
        pg.restart();
        pg
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the server again on the same port and data (after [`Self::stop`]).
    pub fn restart(&mut self) {
        let mut command = pg_command(&pg_bin("postgres"));
        command
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.path().display()))
            .args(["-c", "fsync=off", "-c", "max_connections=200"]);
        let child = spawn_tracked(&mut command, "postgres");
        self.child = Some(child);
        wait_for_port(self.port, "postgres", Duration::from_secs(30));
        // Accepting TCP comes a moment before accepting logins.
        let until = Instant::now() + Duration::from_secs(30);
        while self.psql("SELECT 1").is_err() {
            assert!(Instant::now() < until, "private postgres does not accept logins");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server as `pg_ctl stop -m fast` does (SIGINT): every
    /// connection is cut and the server shuts down cleanly, so it can be
    /// started again ([`Self::restart`]).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
        let until = Instant::now() + Duration::from_secs(30);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        untrack(child.id());
    }

    /// Runs one SQL statement with `psql`; its output (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres"])
            .args(["-d", "postgres", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// Terminates every backend whose `application_name` starts with
    /// `application_prefix` (what an operator's `pg_terminate_backend`
    /// does); how many it terminated.
    pub fn terminate_backends(&self, application_prefix: &str) -> usize {
        let prefix = application_prefix.replace('\'', "''");
        let sql = format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name LIKE '{prefix}%' AND pid <> pg_backend_pid()"
        );
        self.psql(&sql).ok().and_then(|n| n.parse().ok()).unwrap_or(0)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private `nats-server` with JetStream and its own store, and its
/// monitoring endpoint (`/jsz`: the streams and consumers it holds).
pub struct PrivateNats {
    port: u16,
    monitor: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    pub fn start() -> PrivateNats {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut nats = PrivateNats { port: free_port(), monitor: free_port(), dir, child: None };
        nats.restart();
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The base URL of its monitoring endpoint (`/jsz`, `/varz`, ...).
    pub fn monitor_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.monitor)
    }

    /// Starts the server on the same ports and store (its streams survive).
    pub fn restart(&mut self) {
        let mut command = Command::new("nats-server");
        command
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-m", &self.monitor.to_string()])
            .arg("-sd")
            .arg(self.dir.path());
        let child = spawn_tracked(&mut command, "nats-server");
        self.child = Some(child);
        wait_for_port(self.port, "nats-server", Duration::from_secs(10));
    }

    /// Kills the server (SIGKILL).
    pub fn kill(&mut self) {
        kill(&mut self.child);
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A private `redis-server` without persistence.
pub struct PrivateRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut redis = PrivateRedis { port: free_port(), dir, child: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server on the same port (empty: nothing is persisted).
    pub fn restart(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no"])
            .current_dir(self.dir.path());
        let child = spawn_tracked(&mut command, "redis-server");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server", Duration::from_secs(10));
    }

    /// Stops the server (SIGKILL).
    pub fn stop(&mut self) {
        kill(&mut self.child);
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
