//! A PostgreSQL server of a test's own (fault tests stop and start it):
//! `initdb` into a temporary folder, `postgres` on a free port listening on
//! 127.0.0.1 only, stopped with the test. The binaries are found under
//! `RLM_PG_BIN` (default `/usr/lib/postgresql/15/bin`); as root they run as
//! the `postgres` user, since PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePg {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn bin(name: &str) -> PathBuf {
    let dir = std::env::var("RLM_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    Path::new(&dir).join(name)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A PostgreSQL binary's command (as `postgres` when this is root).
fn command(name: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin(name));
        c
    } else {
        Command::new(bin(name))
    }
}

/// Runs a PostgreSQL binary; panics with its output when it fails.
fn run(name: &str, args: &[&str]) {
    let out =
        command(name).args(args).output().unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl PrivatePg {
    /// A new cluster, started.
    pub fn start() -> PrivatePg {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status().unwrap();
        }
        let pg = PrivatePg { dir, port: free_port() };
        run("initdb", &["-D", &pg.data(), "-U", "postgres", "-A", "trust", "--no-sync"]);
        pg.up();
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Starts the (stopped) server and waits until it answers.
    pub fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"]);
    }

    /// Stops the server (`fast`: every connection is cut).
    pub fn down(&self) {
        run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A plain connection (to terminate the store's connections).
    pub async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.url(), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "stop"]).output();
    }
}
