//! `rlm mcp` driven by the official MCP Python SDK's client
//! (`tests/mcp/client.py`, in the test environment's `.venv`), over stdio and
//! over streamable HTTP on 127.0.0.1: it lists the tools, calls each one
//! (`rlm_ask` answers the README's demo question with the offline script),
//! receives progress, reads the resources, and cancels a run under way (a
//! server whose script waits before replying, `tests/mcp/slow.toml`); over
//! stdio, a tool call's `_meta.traceparent` parents its run's OpenTelemetry
//! trace.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn client_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py")
}

fn slow_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/slow.toml")
}

/// A copy of the README's corpus in a temporary folder (the HTTP server is
/// allowed to read that folder only).
fn corpus_copy(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus");
    let target = dir.join("corpus");
    std::fs::create_dir(&target).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
    target
}

/// `command` without the user's `RLM_*` settings, run in `dir` (no `rlm.toml`).
fn isolated(mut command: Command, dir: &Path) -> Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            command.env_remove(name);
        }
    }
    command.current_dir(dir);
    command
}

/// Runs the client script with `args`; fails with its output unless every check passed.
fn run_client(dir: &Path, args: &[&str]) {
    let mut python = isolated(Command::new(rlm_testenv::venv_python()), dir);
    python.arg(client_script()).args(args);
    let out = python.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the client failed:\n{stdout}\n{stderr}");
    assert!(stdout.ends_with("all ok\n"), "{stdout}\n{stderr}");
    for check in ["rlm_ask answers the README's demo question", "progress per step of the loop"] {
        assert!(stdout.contains(&format!("ok: {check}\n")), "{stdout}");
    }
    assert!(stdout.contains("ok: the cancel stopped the run\n"), "{stdout}");
    if args[0] == "stdio" {
        assert!(stdout.contains("ok: _meta's traceparent names the run's trace\n"), "{stdout}");
    }
}

rlm_testenv::needs_mcp_client! {
    #[test]
    fn the_python_client_over_stdio() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = corpus_copy(dir.path());
        let (slow, workdir) = (slow_script(), dir.path().to_path_buf());
        run_client(
            dir.path(),
            &[
                "stdio",
                env!("CARGO_BIN_EXE_rlm"),
                corpus.to_str().unwrap(),
                slow.to_str().unwrap(),
                workdir.to_str().unwrap(),
            ],
        );
    }
}

/// An `rlm mcp --transport http` child, killed when dropped.
struct HttpChild {
    child: Child,
    url: String,
}

impl HttpChild {
    fn start(dir: &Path, extra: &[&str]) -> HttpChild {
        let mut command = isolated(Command::new(env!("CARGO_BIN_EXE_rlm")), dir);
        command
            .args(["mcp", "--model", "scripted", "--transport", "http", "--listen", "127.0.0.1:0"])
            .arg("--allow-path")
            .arg(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        let stderr = child.stderr.take().unwrap();
        let mut reader = BufReader::new(stderr);
        // Warnings may come first; the address line is the one that matters.
        while !line.starts_with("rlm mcp: listening on ") {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                panic!("rlm mcp exited before listening");
            }
        }
        let url = line
            .trim()
            .strip_prefix("rlm mcp: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        HttpChild { child, url }
    }
}

impl Drop for HttpChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

rlm_testenv::needs_mcp_client! {
    #[test]
    fn the_python_client_over_http() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = corpus_copy(dir.path());
        let slow = slow_script();
        let demo = HttpChild::start(dir.path(), &[]);
        let slow = HttpChild::start(dir.path(), &["--script", slow.to_str().unwrap()]);
        assert!(demo.url.starts_with("http://127.0.0.1:") && demo.url.ends_with("/mcp"), "{}", demo.url);
        run_client(dir.path(), &["http", &demo.url, &slow.url, corpus.to_str().unwrap()]);
    }
}
