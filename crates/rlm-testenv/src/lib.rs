//! What the workspace's tests need from the machine, and what a test does when
//! a need is missing: it is **ignored with a `SKIPPED: <why>` reason**, so a
//! plain `cargo test` counts it as skipped, never as passed.
//!
//! `build.rs` probes each need once per build; wrap a test in the macro of its
//! need:
//! ```text
//! rlm_testenv::needs_python3! {
//!     #[test]
//!     fn matches_cpython() { /* runs python3 */ }
//! }
//! ```
//! The README's test command (`bash .ci/test`) provides every need first and
//! fails when any test was ignored, so under it nothing is skipped.

use std::path::PathBuf;

#[cfg(feature = "mock-openai")]
pub mod mock_openai;
/// Private PostgreSQL, NATS and Redis instances that fault tests kill.
pub mod services;

/// The workspace root (this crate sits at `crates/rlm-testenv`).
pub fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder of real model-written programs (`RLM_CORPUS_DIR`, or
/// `../shared/corpus/trajectories` beside the workspace).
pub fn shared_corpus_dir() -> PathBuf {
    match std::env::var_os("RLM_CORPUS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_dir().join("../shared/corpus/trajectories"),
    }
}

/// CPython's own regression tests, `Lib/test` (`RLM_CPYTHON_LIB_TEST`, or
/// Debian's `libpython3.11-testsuite` at `/usr/lib/python3.11/test`).
pub fn cpython_lib_test_dir() -> PathBuf {
    match std::env::var_os("RLM_CPYTHON_LIB_TEST") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from("/usr/lib/python3.11/test"),
    }
}

/// The test environment's Python, which has `pytrec_eval`, `mcp`, `openai`
/// and `langchain_openai` (`RLM_TEST_VENV`,
/// or `.venv` at the workspace root, made by `.ci/test`).
pub fn venv_python() -> PathBuf {
    let venv = match std::env::var_os("RLM_TEST_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_dir().join(".venv"),
    };
    venv.join("bin/python")
}

/// Defines `$name!`: it passes its test through when `$cfg` is set, and
/// marks it ignored with `$why` when not.
/// (`$d` is a `$` token passed in, the stable way to write the inner macro's
/// own metavariables; `$why` must be a literal: libtest drops a reason built
/// by `concat!`.)
macro_rules! need_macro {
    ($d:tt $name:ident, $cfg:meta, $why:literal) => {
        #[cfg($cfg)]
        #[macro_export]
        #[doc = concat!("Runs the test: its need is met on this machine (when missing: ", $why, ").")]
        macro_rules! $name {
            ($d($d item:tt)*) => { $d($d item)* };
        }
        #[cfg(not($cfg))]
        #[macro_export]
        #[doc = concat!("Ignores the test with the reason ", $why, ".")]
        macro_rules! $name {
            ($d($d item:tt)*) => { #[ignore = $why] $d($d item)* };
        }
    };
}

need_macro!(
    $ needs_python3,
    rlm_has_python3,
    "SKIPPED: python3 (CPython 3.11, the DSL's oracle) is not on PATH; run `bash .ci/test`"
);
need_macro!(
    $ needs_shared_corpus,
    rlm_has_shared_corpus,
    "SKIPPED: the shared corpus is missing (../shared/corpus/trajectories, or set RLM_CORPUS_DIR)"
);
need_macro!(
    $ needs_embedding_model,
    rlm_has_embedding_model,
    "SKIPPED: the embedding model is not fetched; run `bash .ci/test` (or crates/rlm-retrieval/scripts/fetch-embedding-model.sh)"
);
need_macro!(
    $ needs_pytrec_eval,
    rlm_has_pytrec_eval,
    "SKIPPED: trec_eval's bindings are not in the test environment (.venv); run `bash .ci/test`"
);
need_macro!(
    $ needs_mcp_client,
    rlm_has_mcp_client,
    "SKIPPED: the MCP Python SDK (`mcp`) is not in the test environment (.venv); run `bash .ci/test`"
);
need_macro!(
    $ needs_openai_client,
    rlm_has_openai_client,
    "SKIPPED: the OpenAI Python SDK and langchain-openai are not in the test environment (.venv); run `bash .ci/test`"
);
need_macro!(
    $ needs_litellm_client,
    rlm_has_litellm_client,
    "SKIPPED: LiteLLM is not in the test environment (.venv); run `bash .ci/test`"
);
need_macro!(
    $ needs_node_clients,
    rlm_has_node_clients,
    "SKIPPED: Node.js >= 20.19 and the npm packages of crates/rlm-cli/tests/node-clients are needed; run `bash .ci/test`"
);
need_macro!(
    $ needs_browser,
    rlm_has_browser,
    "SKIPPED: the browser test needs Node.js >= 20.19, Debian's chromium and the page's npm packages; run `bash .ci/test`"
);
need_macro!(
    $ needs_postgres,
    rlm_has_postgres,
    "SKIPPED: PostgreSQL does not answer at RLM_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)"
);
need_macro!(
    $ needs_browser_and_postgres,
    all(rlm_has_browser, rlm_has_postgres),
    "SKIPPED: the browser test needs Node.js >= 20.19, Debian's chromium and the page's npm packages (run `bash .ci/test`), and PostgreSQL at RLM_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)"
);
need_macro!(
    $ needs_phoenix,
    rlm_has_phoenix,
    "SKIPPED: Arize Phoenix (`arize-phoenix`) is not in the test environment (.venv); run `bash .ci/test`"
);
need_macro!(
    $ needs_phoenix_and_postgres,
    all(rlm_has_phoenix, rlm_has_postgres),
    "SKIPPED: Arize Phoenix (`arize-phoenix`, run `bash .ci/test`) and PostgreSQL at RLM_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) are both needed"
);
need_macro!(
    $ needs_python3_and_cpython_testsuite,
    all(rlm_has_python3, rlm_has_cpython_testsuite),
    "SKIPPED: CPython's own tests (Debian's libpython3.11-testsuite at /usr/lib/python3.11/test, or RLM_CPYTHON_LIB_TEST) and python3 (CPython 3.11) are both needed; run `bash .ci/test`"
);
need_macro!(
    $ needs_python3_and_shared_corpus,
    all(rlm_has_python3, rlm_has_shared_corpus),
    "SKIPPED: the shared corpus (../shared/corpus/trajectories, or RLM_CORPUS_DIR) and python3 (CPython 3.11) are both needed; run `bash .ci/test`"
);
