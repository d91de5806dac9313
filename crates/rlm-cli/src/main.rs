//! The `rlm` command-line tool: parses the command line and dispatches to
//! the commands of the `rlm_cli` library. Errors print as one paragraph and
//! exit with the documented code (`rlm_cli::exit`); a panic is turned into an
//! internal-error paragraph and exit 5.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use rlm_cli::exit::{self, Exit};
use rlm_cli::{
    check, config, eval_cmd, exec, index, mcp, optimize, repl, run, serve, stats_cmd, stress,
    test_cmd, trace_cmd,
};

/// mimalloc rather than glibc's malloc: the interpreter allocates and frees a
/// small block per string, list and frame, and malloc/free were 12-29% of the
/// instructions of its string-heavy workloads. Built without transparent huge
/// pages (the `no_thp` feature); its time and peak memory at the memory limit
/// are measured in docs/benchmarks/2026-11-21-rlm-interp.md (issue #16, seventh round).
/// Reached through its plain entry points where the layout allows (`allocator.rs`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

#[cfg(feature = "mimalloc")]
mod allocator;

#[cfg(feature = "mimalloc")]
mod allocator_options;

/// What `rlm serve` runs after executions end to give their freed memory
/// back to the OS.
#[cfg(feature = "mimalloc")]
const PURGE_ALLOCATOR: Option<fn()> = Some(allocator_options::collect);
#[cfg(not(feature = "mimalloc"))]
const PURGE_ALLOCATOR: Option<fn()> = None;

#[derive(Parser)]
#[command(
    name = "rlm",
    version,
    about = "Recursive Language Model runtime",
    after_help = "Exit codes: 0 ok, 1 program error (test: a case failed), 2 usage or input file error, \
                  3 budget exhausted without answer, 4 model/provider error, 5 internal error, \
                  6 answer fails the task's success criteria (run --task)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer a question over files, folders, globs or stdin with an RLM.
    Run(Box<run::RunArgs>),
    /// Run DSL files as consecutive cells of one session (shared variables).
    Exec(exec::ExecArgs),
    /// Parse programs and print their diagnostics (exit 1 on error).
    Check(check::CheckArgs),
    /// An interactive prompt: type DSL against a loaded context.
    Repl(repl::ReplArgs),
    /// Build (or reuse) the retrieval index of a context, beside it.
    Index(index::IndexArgs),
    /// Serve the HTTP API (sessions, executions, SSE, jobs) until Ctrl-C.
    Serve(Box<serve::ServeArgs>),
    /// Serve the RLM as MCP tools and resources (stdio, or streamable HTTP)
    /// for Claude Desktop, Claude Code and other MCP clients.
    Mcp(Box<mcp::McpArgs>),
    /// Show a recorded trace.
    #[command(subcommand)]
    Trace(trace_cmd::TraceCommand),
    /// Analytics across runs' traces: latency percentiles, outcomes, tokens
    /// and cost per model, retries, cache hit rate, retry storms.
    Stats(stats_cmd::StatsArgs),
    /// Run a folder of cases offline from their recordings and compare each
    /// run with its snapshot (prompt development as a test suite).
    Test(Box<test_cmd::TestArgs>),
    /// Run a folder of cases live under several prompt profiles or models,
    /// scored by their criteria: a table, results.jsonl and an HTML report.
    Eval(Box<eval_cmd::EvalArgs>),
    /// Improve prompt files on a folder of cases: a reflection model reads
    /// the failing runs and rewrites a file; candidates are kept on a Pareto
    /// front of score against cost, within a budget of calls and dollars.
    Optimize(Box<optimize::OptimizeArgs>),
    /// Stress scenarios with injected faults (429s, latency, bursts, chaos)
    /// against the scripted model or a provider; writes an HTML report.
    Stress(Box<stress::StressArgs>),
    /// Show every setting's effective value and its source (flag, then
    /// environment, profile, rlm.toml, default) and check that the model can
    /// be set up (no request is sent).
    Config(config::ConfigArgs),
    /// Serve as a sandbox worker over the socket on standard input (started
    /// by `rlm serve --isolate process`; not for direct use).
    #[command(hide = true, name = "sandbox-worker")]
    SandboxWorker,
    /// Fail with an internal error (tests the last-resort panic handler).
    #[command(hide = true, name = "internal-panic-test")]
    InternalPanicTest,
}

fn main() -> ExitCode {
    #[cfg(feature = "mimalloc")]
    allocator_options::set();
    exit::install_panic_hook();
    // Each subcommand's help shows its own knob flags, under headings.
    let parsed = rlm_cli::help::fit(Cli::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; bad usage to stderr with 2.
            let code = if e.use_stderr() { Exit::Usage } else { Exit::Ok };
            let _ = e.print();
            return code.into();
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(*args),
        Command::Exec(args) => exec::exec(args),
        Command::Check(args) => check::check(args),
        Command::Repl(args) => repl::repl(args),
        Command::Index(args) => index::index(args),
        Command::Serve(args) => serve::serve(*args, PURGE_ALLOCATOR),
        Command::Mcp(args) => mcp::mcp(*args, PURGE_ALLOCATOR),
        Command::Trace(command) => trace_cmd::trace(command),
        Command::Stats(args) => stats_cmd::stats(args),
        Command::Stress(args) => stress::stress(*args),
        Command::Test(args) => test_cmd::test(*args),
        Command::Eval(args) => eval_cmd::eval(*args),
        Command::Optimize(args) => optimize::optimize(*args),
        Command::Config(args) => config::show(args),
        Command::SandboxWorker => {
            // Before anything else starts a thread: the worker confines itself.
            return ExitCode::from(u8::try_from(rlm_core::serve_worker()).unwrap_or(u8::MAX));
        }
        Command::InternalPanicTest => panic!("internal-panic-test was asked to fail"),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) if e.is_broken_pipe() => Exit::Ok.into(),
        Err(e) => {
            eprintln!("{}", e.paragraph());
            e.exit().into()
        }
    }
}
