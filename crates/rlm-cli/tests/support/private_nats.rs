//! A private `nats-server` for the tests that stop or restart NATS: its own
//! port and store (JetStream's files survive a restart), killed on drop.

// Each test crate that includes this file uses a part of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};

use super::cluster_env::{free_port, wait_for_port};

/// A private nats-server with JetStream on a free port and its own store, killed on drop.
pub struct PrivateNats {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    pub fn start() -> PrivateNats {
        let port = free_port();
        let mut nats = PrivateNats { port, dir: tempfile::tempdir().unwrap(), child: None };
        nats.restart();
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server is on PATH");
        self.child = Some(child);
        wait_for_port(self.port, "nats-server");
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
    }
}
