//! MCP servers' tools as functions of programs (issue #82): an MCP server
//! made with the official Python SDK (`tests/mcp/tools_server.py`, started
//! over stdio from `rlm.toml`'s `[mcp_servers.weather]`) and `rlm mcp` itself
//! answer the calls of a scripted model's programs, through `rlm run` and
//! through `rlm serve`'s `/api/execute`: the tool's real answer reaches FINAL
//! and each call is a `tool_call` span of the trace naming its tool and
//! server. The error paths: a tool left off the allow-list is a NameError, a
//! call past the server's timeout and a server that has exited raise pointed
//! messages, and an allowed tool the server lacks stops the start with the
//! server's tools and the nearest name. A hostile server (plain Python, no
//! SDK) answers with a line that is not JSON, a reply past the cap, a result
//! of the wrong shape and a schema that is not one: each call raises or
//! answers, and the run goes on.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::clean_rlm::rlm;
use crate::serve_child;

fn tools_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/tools_server.py")
}

/// `[mcp_servers.weather]`: the Python SDK's server, `tools` allowed.
fn weather_table(tools: &[&str], timeout_secs: u32) -> String {
    let python = rlm_testenv::venv_python();
    format!(
        "[mcp_servers.weather]\ncommand = {:?}\nargs = [{:?}]\ntools = {}\ntimeout_secs = {timeout_secs}\n",
        python.display().to_string(),
        tools_server().display().to_string(),
        json!(tools),
    )
}

/// A folder holding `config.toml` (`table`), the script the model plays
/// (`replies`, then FINAL of nothing) and a context.
fn setup(table: &str, replies: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), table).unwrap();
    let script = json!({"model": "tools", "replies": replies, "when_exhausted": {"fixed": "FINAL('out of replies')"}});
    std::fs::write(dir.path().join("script.json"), script.to_string()).unwrap();
    std::fs::write(dir.path().join("context.txt"), "the weather report of the day\n").unwrap();
    dir
}

/// `rlm run` of the folder's script; its output and trace events.
fn run(dir: &Path) -> (Output, Vec<Value>) {
    run_with(dir, &[])
}

/// [`run`] with the variables `env` set.
fn run_with(dir: &Path, env: &[(&str, &str)]) -> (Output, Vec<Value>) {
    let trace = dir.join("trace.jsonl");
    let _ = std::fs::remove_file(&trace);
    let output = rlm(dir)
        .envs(env.iter().copied())
        .args(["run", "what is the weather?", "--context", "context.txt", "--json"])
        .args(["--model", "scripted", "--script", "script.json", "--progress", "never"])
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("--trace")
        .arg(&trace)
        .output()
        .unwrap();
    (output, events(&std::fs::read_to_string(&trace).unwrap_or_default()))
}

fn events(jsonl: &str) -> Vec<Value> {
    jsonl.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// The `(tool, server)` of each tool call the trace holds, and the span's
/// outcome when it closed.
fn tool_calls(events: &[Value]) -> Vec<(String, String, String)> {
    let mut calls = Vec::new();
    for start in events.iter().filter(|e| e["kind"]["type"] == "tool_call_started") {
        let end = events.iter().find(|e| {
            e["kind"]["type"] == "tool_call_finished" && e["span_id"] == start["span_id"]
        });
        calls.push((
            start["kind"]["tool"].as_str().unwrap_or_default().to_string(),
            start["kind"]["server"].as_str().unwrap_or_default().to_string(),
            end.map_or("open", |e| e["kind"]["outcome"].as_str().unwrap_or_default()).to_string(),
        ));
    }
    calls
}

/// What the programs of a trace printed.
fn stdout_of(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["kind"]["type"] == "program_finished")
        .map(|e| e["kind"]["stdout"].as_str().unwrap_or_default().to_string())
        .collect()
}

const WEATHER_PROGRAM: &str =
    "```repl\nw = lookup('Paris')\nn = add(2, b=3)\nprint(w, n)\nFINAL(f'{w} / {n}')\n```";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

rlm_testenv::needs_mcp_client! {
    #[test]
    fn rlm_run_calls_the_python_sdk_server_s_tools() {
        let dir = setup(&weather_table(&["lookup", "add"], 30), &[WEATHER_PROGRAM]);
        let recording = dir.path().join("recording.jsonl");
        let record = recording.display().to_string();
        let (output, events) = run_with(dir.path(), &[("RLM_RECORD", record.as_str())]);
        // The root prompt lists each allowed tool with its schema's signature.
        let sent = std::fs::read_to_string(&recording).unwrap_or_default();
        for listed in [
            "`lookup(city: str) -> str`: The weather in a city today.",
            "`add(a: int, b: int) -> int`: Adds two whole numbers.",
        ] {
            assert!(sent.contains(listed), "{listed} not in the prompt: {sent}");
        }
        assert!(!sent.contains("secret("), "a tool off the allow-list is not shown");
        let doc: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}\n{}", text(&output.stdout), text(&output.stderr)));
        assert_eq!(doc["answer"], "sunny, 21 C / 5", "{doc}\n{}", text(&output.stderr));
        let calls = tool_calls(&events);
        assert_eq!(
            calls,
            [("lookup", "weather", "ok"), ("add", "weather", "ok")]
                .map(|(t, s, o)| (t.to_string(), s.to_string(), o.to_string()))
        );
    }

    #[test]
    fn rlm_serve_calls_them_too() {
        let dir = setup(&weather_table(&["lookup", "add"], 30), &[WEATHER_PROGRAM]);
        let d = dir.path().to_path_buf();
        let (mut child, base) = serve_child::start_serve(|c| {
            c.current_dir(&d).env("HOME", &d).arg("--config").arg(d.join("config.toml"));
            c.args(["--data", "data", "--script", "script.json"]);
            for (k, _) in std::env::vars() {
                if k.starts_with("RLM_") {
                    c.env_remove(k);
                }
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (answer, trace) = runtime.block_on(async {
            let client = reqwest::Client::new();
            let body: Value = client
                .post(format!("{base}/api/execute"))
                .json(&json!({"user_query": "what is the weather?", "context": "a report"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = body["id"].as_str().unwrap_or_default().to_string();
            let trace = client
                .get(format!("{base}/api/executions/{id}/trace"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (body["final_result"].clone(), trace)
        });
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(answer, "sunny, 21 C / 5");
        let calls = tool_calls(&events(&trace));
        let names: Vec<(&str, &str)> = calls.iter().map(|(t, s, _)| (t.as_str(), s.as_str())).collect();
        assert_eq!(names, [("lookup", "weather"), ("add", "weather")], "{trace}");
    }

    #[test]
    fn refused_slow_and_dead_tools_raise_pointed_errors() {
        let program = "```repl\n\
            try:\n    secret()\nexcept NameError as e:\n    print('refused:', e)\n\
            try:\n    lookup('Rome')\nexcept Exception as e:\n    print('no city:', e)\n\
            try:\n    add('two', 3)\nexcept TypeError as e:\n    print('typed:', e)\n\
            try:\n    slow(30)\nexcept Exception as e:\n    print('slow:', e)\n\
            try:\n    crash()\nexcept Exception as e:\n    print('crash:', e)\n\
            try:\n    lookup('Paris')\nexcept Exception as e:\n    print('after:', e)\n\
            ```";
        let dir = setup(&weather_table(&["lookup", "add", "slow", "crash"], 2), &[program]);
        let (output, events) = run(dir.path());
        let printed = stdout_of(&events);
        let lines: Vec<&str> = printed.lines().collect();
        let line = |prefix: &str| {
            lines.iter().find(|l| l.starts_with(prefix)).copied().unwrap_or_else(|| {
                panic!("no {prefix} line in {printed:?}\n{}", text(&output.stderr))
            })
        };
        assert!(line("refused:").contains("secret"), "{printed}");
        assert!(
            line("no city:").starts_with("no city: mcp server 'weather' tool 'lookup': ")
                && line("no city:").ends_with("no weather for Rome"),
            "{printed}"
        );
        assert_eq!(line("slow:"), "slow: mcp server 'weather' tool 'slow': timed out after 2 s");
        assert_eq!(line("typed:"), "typed: add() argument 'a' must be int, not str");
        let crash = line("crash:");
        assert!(
            crash.starts_with("crash: mcp server 'weather' tool 'crash': ")
                && crash.contains("the server exited (exit status: 3)"),
            "{printed}"
        );
        let after = line("after:");
        assert!(
            after.contains("mcp server 'weather' tool 'lookup': the connection to the server is closed")
                && after.contains("the server exited"),
            "{printed}"
        );
        let outcomes: Vec<String> = tool_calls(&events).into_iter().map(|(t, _, o)| format!("{t}:{o}")).collect();
        assert_eq!(outcomes, ["lookup:error", "slow:error", "crash:error", "lookup:error"]);
    }

    #[test]
    fn an_allowed_tool_the_server_lacks_stops_the_start() {
        let dir = setup(&weather_table(&["lookup", "ad"], 30), &["FINAL('never')"]);
        let (output, _) = run(dir.path());
        assert!(!output.status.success());
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("mcp server 'weather' has no tool 'ad' (did you mean 'add'?); it has: lookup, add, slow, crash, secret"),
            "{stderr}"
        );
    }
}

/// `rlm mcp` as the tool server: its `rlm_exec` runs a program of ours in
/// its own sandbox, and the structured result comes back as a dict.
#[test]
fn rlm_mcp_serves_its_tools_to_a_program() {
    let program = "```repl\nr = rlm_exec('print(6 * 7)')\nprint(r['stdout'])\nFINAL(r['stdout'].strip())\n```";
    let dir = setup("", &[program]);
    // The inner `rlm mcp` reads an empty configuration of its own.
    let inner = dir.path().join("inner.toml");
    std::fs::write(&inner, "").unwrap();
    let table = format!(
        "[mcp_servers.rlm]\ncommand = {:?}\nargs = [\"mcp\", \"--model\", \"scripted\", \"--config\", {:?}]\ntools = [\"rlm_exec\"]\n",
        env!("CARGO_BIN_EXE_rlm"),
        inner.display().to_string(),
    );
    std::fs::write(dir.path().join("config.toml"), table).unwrap();
    let (output, events) = run(dir.path());
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}\n{}", text(&output.stdout), text(&output.stderr)));
    assert_eq!(doc["answer"], "42", "{doc}\n{}", text(&output.stderr));
    let calls = tool_calls(&events);
    assert_eq!(calls, [("rlm_exec".to_string(), "rlm".to_string(), "ok".to_string())]);
}

/// `rlm mcp --transport http` as the tool server, behind an API key: the
/// table names the variable holding the token (`bearer_token_env`), and
/// without it set the start stops, naming the variable.
#[test]
fn rlm_mcp_over_http_with_a_bearer_token() {
    const TOKEN: &str = "tools-token-0123456789abcdef";
    let program = "```repl\nr = rlm_exec('print(6 * 7)')\nprint(r['stdout'])\nFINAL(r['stdout'].strip())\n```";
    let dir = setup("", &[program]);
    std::fs::create_dir(dir.path().join("root")).unwrap();
    let server = crate::mcp_http::start_mcp_http(dir.path(), &format!("tools:{TOKEN}"), &[]);
    let table = format!(
        "[mcp_servers.remote]\nurl = {:?}\nbearer_token_env = \"TOOLS_TOKEN\"\ntools = [\"rlm_exec\"]\n",
        server.url
    );
    std::fs::write(dir.path().join("config.toml"), table).unwrap();
    let (refused, _) = run(dir.path());
    let stderr = text(&refused.stderr);
    assert!(
        !refused.status.success()
            && stderr.contains(
                "mcp server 'remote': bearer_token_env names TOOLS_TOKEN, which is not set"
            ),
        "{stderr}"
    );
    let (output, events) = run_with(dir.path(), &[("TOOLS_TOKEN", TOKEN)]);
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}\n{}", text(&output.stdout), text(&output.stderr)));
    assert_eq!(doc["answer"], "42", "{doc}\n{}", text(&output.stderr));
    assert_eq!(
        tool_calls(&events),
        [("rlm_exec".to_string(), "remote".to_string(), "ok".to_string())]
    );
}

rlm_testenv::needs_python3! {
    /// A server that answers badly (`tests/mcp/hostile_server.py`): a line
    /// that is not JSON, a reply past the cap, a result of the wrong shape,
    /// a schema that is not one and an endless description. Each call raises
    /// or answers; the run goes on to its answer.
    #[test]
    fn a_hostile_server_s_replies_raise_and_never_crash_the_run() {
        let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/hostile_server.py");
        let table = format!(
            "[mcp_servers.hostile]\ncommand = \"python3\"\nargs = [{:?}]\n\
             tools = [\"garbage\", \"huge\", \"wrong_shape\", \"odd\"]\ntimeout_secs = 1\n",
            server.display().to_string()
        );
        let program = "```repl\n\
            for f in [garbage, huge, wrong_shape]:\n    try:\n        f()\n        print('answered')\n    except Exception as e:\n        print('raised:', e)\n\
            print('odd:', odd(1))\n\
            FINAL(odd(x='anything'))\n\
            ```";
        let dir = setup(&table, &[program]);
        let (output, events) = run(dir.path());
        let doc: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}\n{}", text(&output.stdout), text(&output.stderr)));
        assert_eq!(doc["answer"], "fine", "{doc}\n{}", text(&output.stderr));
        let printed = stdout_of(&events);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 4, "{printed}");
        assert_eq!(lines[0], "raised: mcp server 'hostile' tool 'garbage': timed out after 1 s");
        assert!(
            lines[1].starts_with("raised: mcp server 'hostile' tool 'huge': the reply holds 5242880 bytes, past the cap of 4 MiB"),
            "{printed}"
        );
        assert_eq!(
            lines[2],
            "raised: mcp server 'hostile' tool 'wrong_shape': the server's reply is not a tools/call result (CallToolResult)"
        );
        assert_eq!(lines[3], "odd: fine");
    }
}
