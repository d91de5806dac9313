//! The user guide (`docs/guide`, an mdBook) held by tests: every shell block
//! of every page runs against the built `rlm` (first on `PATH`), page by
//! page in one shell of its own, in a fresh folder where `examples/` and
//! `prompts/` are the checkout's; what a block shows under a command is checked
//! (tests/support/console_blocks.rs says how). Background processes a page
//! starts are stopped when it ends. The knob reference page is
//! `rlm config --reference`'s output. The counts are written to
//! `target/guide-blocks.txt`, which `.ci/test` prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::time::{Duration, Instant};

use crate::console_blocks::{self, Block, Command};

/// A command's longest run (a served page's curl included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

fn guide_src() -> PathBuf {
    rlm_testenv::workspace_dir().join("docs/guide/src")
}

/// Every page of the guide, in the order of SUMMARY.md, with what each
/// `{{#include}}`s (their blocks are the page's).
fn pages() -> Vec<(String, String)> {
    let src = guide_src();
    let summary =
        std::fs::read_to_string(src.join("SUMMARY.md")).expect("docs/guide/src/SUMMARY.md");
    let mut pages: Vec<(String, String)> = Vec::new();
    for link in summary.split("](").skip(1) {
        let Some(path) = link.split(')').next().filter(|p| p.ends_with(".md")) else { continue };
        if pages.iter().any(|(p, _)| p == path) {
            continue;
        }
        let file = src.join(path);
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        pages.push((path.to_string(), with_includes(&text, file.parent().unwrap())));
    }
    pages
}

fn with_includes(text: &str, dir: &Path) -> String {
    let mut out = String::new();
    for line in text.lines() {
        match line.trim().strip_prefix("{{#include ").and_then(|l| l.strip_suffix("}}")) {
            Some(path) => {
                let file = dir.join(path.trim().split(':').next().unwrap());
                out += &std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            }
            None => out += line,
        }
        out.push('\n');
    }
    out
}

/// One page's shell: bash reading commands on its stdin, each command's
/// output and exit code left in files of the page's folder.
struct PageShell {
    bash: Child,
    stdin: ChildStdin,
    dir: tempfile::TempDir,
    ran: usize,
}

impl PageShell {
    fn start(env: &[(String, String)]) -> PageShell {
        let dir = tempfile::tempdir().unwrap();
        for shared in ["examples", "prompts"] {
            std::os::unix::fs::symlink(
                rlm_testenv::workspace_dir().join(shared),
                dir.path().join(shared),
            )
            .unwrap();
        }
        let bin = Path::new(env!("CARGO_BIN_EXE_rlm")).parent().unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let mut bash = Process::new("bash");
        bash.args(["--noprofile", "--norc"]).current_dir(dir.path()).env("PATH", path);
        for name in [
            "RLM_CONFIG",
            "RLM_MODEL",
            "RLM_PROFILE",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "RLM_API_KEY",
            "RLM_API_KEYS",
        ] {
            bash.env_remove(name);
        }
        bash.envs(env.iter().map(|(k, v)| (k, v)));
        std::os::unix::process::CommandExt::process_group(&mut bash, 0);
        let mut bash =
            bash.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let stdin = bash.stdin.take().unwrap();
        PageShell { bash, stdin, dir, ran: 0 }
    }

    /// Runs one command; its output and exit code.
    fn run(&mut self, text: &str) -> Result<(String, i32), String> {
        self.ran += 1;
        let out = self.dir.path().join(format!(".guide-out-{}", self.ran));
        let rc = self.dir.path().join(format!(".guide-rc-{}", self.ran));
        let script = format!(
            "{{ {text}\n}} > '{o}' 2>&1 < /dev/null; echo $? > '{r}.part'; mv '{r}.part' '{r}'\n",
            o = out.display(),
            r = rc.display()
        );
        self.stdin
            .write_all(script.as_bytes())
            .map_err(|e| format!("the page's shell is gone: {e}"))?;
        self.stdin.flush().unwrap();
        let started = Instant::now();
        while !rc.exists() {
            if started.elapsed() > COMMAND_TIMEOUT {
                return Err(format!("still running after {COMMAND_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let code = std::fs::read_to_string(&rc).unwrap().trim().parse().unwrap_or(-1);
        Ok((std::fs::read_to_string(&out).unwrap_or_default(), code))
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    /// The last lines of each log the page's commands wrote (its background
    /// servers'): why a command that waited on one of them failed.
    fn logs(&self) -> String {
        let Ok(entries) = std::fs::read_dir(self.dir.path()) else { return String::new() };
        let mut logs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        logs.sort();
        let mut out = String::new();
        for log in logs {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL)..].join("\n");
            let name =
                log.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push_str(&format!("\n--- the last lines of {name}:\n{tail}"));
        }
        out
    }
}

impl Drop for PageShell {
    /// Every process the page started (its background servers) goes with it.
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"kill $(jobs -p) 2>/dev/null; wait\nexit\n");
        let _ = self.stdin.flush();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.bash.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let group = format!("-{}", self.bash.id());
        let _ = Process::new("kill").args(["-KILL", "--", &group]).output();
        let _ = self.bash.wait();
    }
}

/// How many lines of each log a failed page shows.
const LOG_TAIL: usize = 20;

#[derive(Default)]
struct Counts {
    pages: usize,
    blocks: usize,
    commands: usize,
    checked: usize,
}

fn run_page(path: &str, text: &str, env: &[(String, String)], counts: &mut Counts) -> Vec<String> {
    let blocks = match console_blocks::blocks(text) {
        Ok(blocks) => blocks,
        Err(e) => return vec![format!("{path}: {e}")],
    };
    let mut failures = Vec::new();
    let mut shell = PageShell::start(env);
    counts.pages += 1;
    for block in blocks {
        match block {
            Block::File { name, text } => shell.write(&name, &text),
            Block::Console { commands } => {
                counts.blocks += 1;
                for command in commands {
                    counts.commands += 1;
                    counts.checked += usize::from(!command.shown.is_empty());
                    if let Err(e) = check(&mut shell, &command) {
                        let logs = shell.logs();
                        failures.push(format!(
                            "{path}:{}: `{}`: {e}{logs}",
                            command.line, command.text
                        ));
                        return failures;
                    }
                }
            }
        }
    }
    failures
}

fn check(shell: &mut PageShell, command: &Command) -> Result<(), String> {
    let (output, code) = shell.run(&command.text)?;
    if code != command.exit {
        return Err(format!("exit code {code}, expected {}; it printed:\n{output}", command.exit));
    }
    if !command.shown.is_empty() && !console_blocks::matches(&command.shown, &output) {
        return Err(format!(
            "printed\n{output}\nwhere the guide shows\n{}",
            command.shown.join("\n")
        ));
    }
    Ok(())
}

/// What a cluster page's processes are given so that nothing they make is
/// shared with another test or run: their own PostgreSQL schema, NATS
/// stream and Redis key prefix.
fn private_names() -> Vec<(String, String)> {
    let tag = format!("guide_{}", std::process::id());
    vec![
        ("RLM_DATABASE_SCHEMA".into(), tag.clone()),
        ("RLM_NATS_STREAM".into(), tag.to_uppercase()),
        ("RLM_REDIS_PREFIX".into(), tag),
    ]
}

rlm_testenv::needs_postgres! {
    #[test]
    fn every_shell_block_of_the_guide_runs_and_shows_what_it_prints() {
        let env = private_names();
        let mut counts = Counts::default();
        let mut failures = Vec::new();
        for (path, text) in pages() {
            // Only a page that starts a cluster's roles is given the private names
            // (to every other command they would be knobs it warns about).
            let env = if text.contains("--role api") { env.as_slice() } else { &[] };
            failures.extend(run_page(&path, &text, env, &mut counts));
        }
        clean_up(&env[0].1, &env[1].1);
        let summary = format!(
            "guide: {} pages, {} shell blocks, {} commands run, {} outputs checked",
            counts.pages, counts.blocks, counts.commands, counts.checked
        );
        println!("{summary}");
        let target = rlm_testenv::workspace_dir().join("target");
        let _ = std::fs::create_dir_all(&target);
        let _ = std::fs::write(target.join("guide-blocks.txt"), format!("{summary}\n"));
        assert!(failures.is_empty(), "{summary}; failed:\n\n{}", failures.join("\n\n"));
        assert!(counts.blocks >= 20, "{summary}: the guide has fewer shell blocks than its chapters show");
    }
}

/// Drops what the cluster page made: its schema and its stream.
fn clean_up(schema: &str, stream: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        if let Ok((client, connection)) =
            tokio_postgres::connect(&crate::cluster_env::database_url(), tokio_postgres::NoTls)
                .await
        {
            tokio::spawn(connection);
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
        }
        let config = rlm_queue::QueueConfig {
            stream: stream.to_string(),
            ..rlm_queue::QueueConfig::new(crate::cluster_env::SHARED_NATS)
        };
        if let Ok(queue) = rlm_queue::JobQueue::connect(config).await {
            let _ = queue.destroy().await;
        }
    });
}

/// The knob reference is the knob table's, as `rlm config --reference`
/// prints it (`RLM_UPDATE_GUIDE=1` writes it).
#[test]
fn the_knob_reference_page_is_the_knob_table() {
    let out =
        Process::new(env!("CARGO_BIN_EXE_rlm")).args(["config", "--reference"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = guide_src().join("reference/knobs.md");
    let printed = String::from_utf8(out.stdout).unwrap();
    if std::env::var_os("RLM_UPDATE_GUIDE").is_some() {
        std::fs::write(&page, &printed).unwrap();
    }
    let committed = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        committed == printed,
        "{} is not `rlm config --reference`'s output: run the test with RLM_UPDATE_GUIDE=1",
        page.display()
    );
}

/// Every page with a Rust block is compiled as doc tests: rlm-examples
/// includes it (`#[doc = include_str!(...)]`), so `cargo test --doc` runs its blocks.
/// And every page of `docs/guide/src` is in SUMMARY.md (none left unbuilt).
#[test]
fn every_rust_block_is_a_doc_test_and_every_page_is_in_the_book() {
    let hooks =
        std::fs::read_to_string(rlm_testenv::workspace_dir().join("examples/src/lib.rs")).unwrap();
    let pages = pages();
    let with_rust: Vec<&str> = pages
        .iter()
        .filter(|(_, text)| text.lines().any(|l| l.trim_start().starts_with("```rust")))
        .map(|(p, _)| p.as_str())
        .collect();
    assert!(!with_rust.is_empty(), "the guide's Rust chapter has Rust blocks");
    for page in with_rust {
        let hook = format!("include_str!(\"../../docs/guide/src/{page}\")");
        assert!(
            hooks.contains(&hook),
            "{page} has Rust blocks but examples/src/lib.rs does not include it as a doc test"
        );
    }
    let mut on_disk = Vec::new();
    collect_pages(&guide_src(), &guide_src(), &mut on_disk);
    for page in on_disk {
        assert!(
            page == "SUMMARY.md" || pages.iter().any(|(p, _)| *p == page),
            "docs/guide/src/{page} is not in SUMMARY.md"
        );
    }
}

fn collect_pages(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_pages(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// The README is a front page: under 250 lines, its two commands, and every
/// link it makes into the guide leads to a page of the book.
#[test]
fn the_readme_is_a_front_page_into_the_guide() {
    let root = rlm_testenv::workspace_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines < 250, "README.md has {lines} lines: the guide holds the rest");
    assert!(
        readme.contains("--context examples/corpus --model scripted")
            && readme.contains("bash .ci/test"),
        "the two commands"
    );
    let book: Vec<String> = pages().into_iter().map(|(p, _)| p).collect();
    let links: Vec<&str> = readme
        .split("](docs/guide/src/")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect();
    assert!(links.len() >= 8, "the README links into the guide's chapters: {links:?}");
    for link in links {
        assert!(
            link == "SUMMARY.md" || book.iter().any(|p| p == link),
            "README links to docs/guide/src/{link}, not a page of the book"
        );
    }
}
