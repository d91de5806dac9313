//! Probes the machine for what the workspace's tests need and sets one
//! `rlm_has_<need>` cfg per need that is present. Each probe names the files and
//! variables it read, so cargo probes again when one of them changes (a missing
//! file counts as changed: until the need is met, this small crate is probed and
//! rebuilt on every build, and only the test targets that use it follow).

use std::path::{Path, PathBuf};
use std::process::Command;

const NEEDS: &[&str] = &[
    "python3",
    "shared_corpus",
    "embedding_model",
    "pytrec_eval",
    "mcp_client",
    "openai_client",
    "litellm_client",
    "node_clients",
    "browser",
    "postgres",
    "phoenix",
    "cpython_testsuite",
];

fn main() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    for need in NEEDS {
        println!("cargo::rustc-check-cfg=cfg(rlm_has_{need})");
    }
    for var in [
        "PATH",
        "HOME",
        "RLM_CORPUS_DIR",
        "RLM_MODEL_CACHE",
        "RLM_TEST_VENV",
        "RLM_TEST_DATABASE_URL",
        "CI",
        "RLM_CPYTHON_LIB_TEST",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    let present = [
        ("python3", python3()),
        ("shared_corpus", shared_corpus(&workspace)),
        ("embedding_model", embedding_model()),
        ("pytrec_eval", pytrec_eval(&workspace)),
        ("mcp_client", mcp_client(&workspace)),
        ("openai_client", openai_client(&workspace)),
        ("litellm_client", litellm_client(&workspace)),
        ("node_clients", node_clients(&workspace)),
        ("browser", browser(&workspace)),
        ("postgres", postgres()),
        ("phoenix", phoenix(&workspace)),
        ("cpython_testsuite", cpython_testsuite()),
    ];
    for (need, ok) in present {
        if ok {
            println!("cargo::rustc-cfg=rlm_has_{need}");
        }
    }
}

/// Watches `path` and says whether it exists.
fn exists(path: &Path) -> bool {
    println!("cargo::rerun-if-changed={}", path.display());
    path.exists()
}

/// The first `name` on `PATH` (an absolute path wins as is).
fn on_path(name: &str) -> Option<PathBuf> {
    let candidate = Path::new(name);
    if candidate.is_absolute() {
        return exists(candidate).then(|| candidate.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn python3() -> bool {
    Command::new("python3")
        .args(["-c", "import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)"])
        .status()
        .is_ok_and(|s| s.success())
}

/// CPython's own regression tests (`Lib/test`, Debian's
/// `libpython3.11-testsuite`: `/usr/lib/python3.11/test`, or
/// `RLM_CPYTHON_LIB_TEST`), which crates/rlm-cli/tests/cpython_lib.rs converts
/// into DSL programs.
fn cpython_testsuite() -> bool {
    let lib = match std::env::var_os("RLM_CPYTHON_LIB_TEST") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from("/usr/lib/python3.11/test"),
    };
    exists(&lib.join("string_tests.py")) && exists(&lib.join("test_re.py"))
}

fn shared_corpus(workspace: &Path) -> bool {
    match std::env::var_os("RLM_CORPUS_DIR") {
        Some(dir) => exists(Path::new(&dir)),
        None => exists(&workspace.join("../shared/corpus/trajectories")),
    }
}

fn embedding_model() -> bool {
    let cache = match std::env::var_os("RLM_MODEL_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".cache/rlm-models"),
            None => return false,
        },
    };
    let model = cache.join("all-MiniLM-L6-v2");
    ["model.safetensors", "tokenizer.json", "config.json"].iter().all(|f| exists(&model.join(f)))
}

/// The test environment's Python (`.venv` at the workspace root, made by
/// `.ci/test`) can import `pytrec_eval`; `.ci/test` writes the marker last.
fn pytrec_eval(workspace: &Path) -> bool {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join(".venv"),
    };
    exists(&venv.join("rlm-test-ready"))
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import pytrec_eval"])
            .status()
            .is_ok_and(|s| s.success())
}

/// The test environment's Python can import the official MCP SDK (`mcp`,
/// installed by `.ci/test` with the pinned version), whose client drives `rlm mcp`.
fn mcp_client(workspace: &Path) -> bool {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join(".venv"),
    };
    exists(&venv.join("rlm-test-ready"))
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import mcp.client.stdio, mcp.client.streamable_http"])
            .status()
            .is_ok_and(|s| s.success())
}

/// The test environment's Python can import the official OpenAI SDK and
/// LangChain's OpenAI chat model (`openai`, `langchain-openai`, installed by
/// `.ci/test` with pinned versions), which drive `rlm serve`'s `/v1` endpoint.
fn openai_client(workspace: &Path) -> bool {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join(".venv"),
    };
    exists(&venv.join("rlm-test-ready"))
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import openai, langchain_openai"])
            .status()
            .is_ok_and(|s| s.success())
}

/// The test environment's Python can import LiteLLM (installed by
/// `.ci/test` with a pinned version), a client of `rlm serve`'s `/v1`.
fn litellm_client(workspace: &Path) -> bool {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join(".venv"),
    };
    exists(&venv.join("rlm-test-ready"))
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import litellm"])
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .status()
            .is_ok_and(|s| s.success())
}

/// The test environment has Arize Phoenix's server (`arize-phoenix`,
/// installed by `.ci/test` with a pinned version): its `phoenix` command.
/// (Importing it takes seconds, so the probe looks for the command.)
fn phoenix(workspace: &Path) -> bool {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join(".venv"),
    };
    exists(&venv.join("rlm-test-ready")) && exists(&venv.join("bin/phoenix"))
}

/// Node.js 20.19 or later.
fn node_ok() -> bool {
    on_path("node").is_some_and(|node| {
        Command::new(node)
            .args([
                "-e",
                "const [a,b]=process.versions.node.split('.').map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)",
            ])
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Node.js and the structured-answer clients' npm packages (`openai`, `zod`,
/// `ai`, `@ai-sdk/openai` in crates/rlm-cli/tests/node-clients, installed by
/// `.ci/test`).
fn node_clients(workspace: &Path) -> bool {
    let modules = workspace.join("crates/rlm-cli/tests/node-clients/node_modules");
    let packages = ["openai", "zod", "ai", "@ai-sdk/openai"]
        .iter()
        .all(|p| exists(&modules.join(p).join("package.json")));
    packages && node_ok()
}

/// Node.js 20.19 or later, Debian's Chromium and the page's npm packages.
fn browser(workspace: &Path) -> bool {
    let node_ok = node_ok();
    let chromium = exists(Path::new("/usr/bin/chromium"));
    let packages =
        exists(&workspace.join("crates/rlm-server/web/node_modules/playwright-core/package.json"));
    node_ok && chromium && packages
}

/// PostgreSQL answers at `RLM_TEST_DATABASE_URL`'s host and port (default
/// 127.0.0.1:5432). Under CI (`CI` set) the need counts as met whatever the
/// probe says, so a missing database fails its tests with their own message
/// instead of being skipped. While it is missing, a path that never exists
/// is watched, so the next build probes again.
fn postgres() -> bool {
    if std::env::var_os("CI").is_some() {
        return true;
    }
    let url = std::env::var("RLM_TEST_DATABASE_URL").unwrap_or_default();
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let host_port = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let address = match host_port {
        "" => "127.0.0.1:5432".to_string(),
        h if h.contains(':') => h.to_string(),
        h => format!("{h}:5432"),
    };
    let up = std::net::ToSocketAddrs::to_socket_addrs(&address).ok().is_some_and(|mut addrs| {
        addrs.any(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(1)).is_ok()
        })
    });
    if !up {
        println!("cargo::rerun-if-changed=/nonexistent/rlm-testenv-postgres-probe");
    }
    up
}
