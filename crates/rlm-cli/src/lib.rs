//! The commands of the `rlm` binary, as a library (the binary in `main.rs`
//! only parses the command line and dispatches).
//!
//! * [`exec`]: `rlm exec CELL.py...` runs DSL cells offline; [`check`]:
//!   `rlm check PROGRAM.py...` prints diagnostics; [`repl`]: `rlm repl`, an
//!   interactive prompt; [`trace_cmd`]: `rlm trace show|html FILE`;
//!   [`config`]: the CLI's side of `rlm_config::RlmConfig` (settings resolved
//!   flag > environment > profile > `rlm.toml` > default) and `rlm config`.
//! * [`run`]: `rlm run "question" --context PATH...`, an RLM run.
//! * [`serve`]: `rlm serve`, the HTTP API (`rlm-server`).
//! * [`mcp`]: `rlm mcp`, an MCP server (`rlm-mcp`) over stdio or streamable HTTP.
//! * [`engine`]: what the CLI brings to rlm-core's one engine constructor
//!   (`rlm_core::Rlm::from_config`): the script the `scripted` model plays.
//! * [`context_args`]: loading `--context` sources (files, folders, globs, stdin).
//! * [`index`]: `rlm index PATH`, the retrieval index of a context (rlm-retrieval).
//! * [`task_args`]: `rlm run --task FILE` (a task spec with success criteria).
//! * [`stress`]: `rlm stress`, scenarios with injected faults and an HTML report.
//! * [`stats_cmd`]: `rlm stats TRACE...`, analytics across runs' traces.
//! * [`json_log`]: `--log-format json`, the run's events as JSON lines on stderr.
//! * [`test_cmd`]: `rlm test DIR`, cases replayed from their recordings and
//!   compared with their snapshots ([`snapshot`]; the cases: [`cases`]).
//! * [`eval_cmd`]: `rlm eval DIR`, cases run live under several configurations,
//!   scored, with a table, JSONL and an HTML report ([`eval_report`]).
//! * [`optimize`]: `rlm optimize DIR`, prompt files improved by reflection on
//!   failing runs (GEPA-like), a Pareto front of score against cost, within a
//!   budget; its prompts, report and recordings.
//! * [`exit`]: the exit codes and the error type; every command returns
//!   `Result<Exit, CliError>`.

pub mod cases;
pub mod check;
pub mod config;
pub mod context_args;
pub mod engine;
pub mod eval_cmd;
pub mod eval_report;
pub mod exec;
pub mod exit;
pub mod help;
pub mod index;
pub mod json_log;
pub mod listen_args;
pub mod mcp;
pub mod optimize;
/// The knob table lives in rlm-config (one `RlmConfig` for every front end).
pub use rlm_config::knobs;
pub mod repl;
pub mod run;
pub mod serve;
pub mod snapshot;
pub mod stats_cmd;
pub mod stress;
pub mod task_args;
pub mod test_cmd;
pub mod trace_cmd;
