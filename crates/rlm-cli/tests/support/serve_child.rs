//! `rlm serve` as a child process for the tests that must see it die or be
//! killed: started on an ephemeral port, its address read off its stderr.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts `rlm serve --bind 127.0.0.1:0` with `configure`'s arguments and
/// environment (no API keys unless it sets them); every stderr line also goes
/// to `on_line`. Returns the child and its base URL once it listens, or
/// `Err` with the child (killed) when it did not start within a minute.
pub fn spawn_serve(
    configure: impl FnOnce(&mut Command),
    on_line: impl FnMut(&str) + Send + 'static,
) -> Result<(Child, String), Child> {
    spawn_serve_on("127.0.0.1:0", configure, on_line)
}

/// [`spawn_serve`] listening on `bind` (a process restarted where its
/// clients know it).
pub fn spawn_serve_on(
    bind: &str,
    configure: impl FnOnce(&mut Command),
    mut on_line: impl FnMut(&str) + Send + 'static,
) -> Result<(Child, String), Child> {
    // A long run may pin its own copy of the binary (`RLM_TEST_BIN`), so a
    // build of the workspace meanwhile does not change the processes it
    // restarts halfway.
    let binary =
        std::env::var_os("RLM_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_rlm").into());
    let mut command = Command::new(binary);
    command.args(["serve", "--bind", bind]).env_remove("RLM_API_KEYS");
    configure(&mut command);
    let mut child =
        command.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().expect("spawn rlm serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("rlm serve: listening on ") {
                let _ = tx.send(addr.to_string());
            }
            on_line(&line);
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(base) => Ok((child, base)),
        Err(_) => {
            let _ = child.kill();
            Err(child)
        }
    }
}

/// [`spawn_serve`] that panics when the server does not start.
#[allow(dead_code)] // not every test binary that includes this module uses both
pub fn start_serve(configure: impl FnOnce(&mut Command)) -> (Child, String) {
    spawn_serve(configure, |_| {}).unwrap_or_else(|_| panic!("rlm serve did not start"))
}
