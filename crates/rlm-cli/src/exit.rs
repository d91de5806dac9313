//! Exit codes and the one error type of the `rlm` binary.
//!
//! Every command returns `Result<Exit, CliError>`; `main` prints a
//! [`CliError`] as one paragraph (`error: ...`) on stderr and exits with its
//! [`CliError::exit`] code. A panic is a bug: [`install_panic_hook`] turns it
//! into a one-paragraph internal-error message and exit code 5, never a Rust
//! backtrace. The table below is also in the README ("Exit codes").

use std::io::IsTerminal as _;

/// The exit codes of `rlm`.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success: the command did its job (for `run`: an answer was produced) |
/// | 1 | the program failed (`exec`/`repl`: an uncaught error; `check`: diagnostics; `test`: a case differs from its snapshot or its recording) |
/// | 2 | usage: bad flags, missing or unreadable input files, unwritable output, bad configuration, no model configured |
/// | 3 | a budget ran out before an answer (`run`: steps, subcalls, tokens, cost, time; `exec`/`repl`: any sandbox limit: `--fuel`, `--memory-bytes`, sizes, depth, output) |
/// | 4 | the model or provider failed (cannot be set up, e.g. no API key; or requests failed after retries) |
/// | 5 | internal error (a bug in rlm) |
/// | 6 | `run --task`: an answer was produced but it fails the task's success criteria |
/// | 7 | `run` with an output schema: no answer matched it (`schema_failed`; stderr names the violations, stdout stays empty, `--json` carries it as `candidate`, `answer` null) |
/// | 130 | `run`: cancelled by Ctrl-C (the run ends as `cancelled`, its trace and recording written; a second Ctrl-C quits at once) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    ProgramError = 1,
    Usage = 2,
    BudgetExhausted = 3,
    Provider = 4,
    Internal = 5,
    /// An answer that fails the task's success criteria: a script must not
    /// take it for a success, yet it is not a budget or provider failure.
    CriteriaFailed = 6,
    /// The run has an output schema and no answer matched it
    /// (`schema_failed`): the last candidate is no answer to take.
    SchemaFailed = 7,
    /// Cancelled by Ctrl-C (SIGINT), as shells number it (128 + 2).
    Cancelled = 130,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// Everything that stops a command before it could do its job.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write {what}: {source}")]
    Write { what: String, source: std::io::Error },
    #[error("cannot load the context {path}: {reason}")]
    Context { path: String, reason: String },
    #[error("{path}: replies must be a JSON array of strings ({reason})")]
    Replies { path: String, reason: String },
    #[error(
        "{path} is not a trace (neither a JSON tree from `Trace::to_json` nor JSON lines of events): {reason}"
    )]
    Trace { path: String, reason: String },
    /// A bad setting (flag, environment variable or config file).
    #[error("{0}")]
    Config(String),
    /// A knob's value that its kind refuses: the key, where it was set, the
    /// value as given and what was expected.
    #[error("{key} = {value:?} (from {origin}) is not valid: expected {expected}")]
    Setting { key: String, origin: String, value: String, expected: String },
    /// No model configured; the message says exactly what to set.
    #[error("{0}")]
    NoModel(String),
    /// The model or provider cannot be used or failed.
    #[error("{0}")]
    Provider(String),
    /// A budget ran out before an answer.
    #[error("{0}")]
    BudgetExhausted(String),
    /// The run ended with no answer matching its output schema.
    #[error("{0}")]
    SchemaFailed(String),
    #[error(
        "internal error: {0}. This is a bug in rlm; please report it with the command you ran."
    )]
    Internal(String),
}

impl CliError {
    /// The exit code this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Read { .. }
            | CliError::Context { .. }
            | CliError::Replies { .. }
            | CliError::Trace { .. }
            | CliError::Config(_)
            | CliError::Setting { .. }
            | CliError::NoModel(_)
            // An output file that cannot be written (a missing folder, a full
            // disk) is a problem with what was asked, not a bug.
            | CliError::Write { .. } => Exit::Usage,
            CliError::Provider(_) => Exit::Provider,
            CliError::BudgetExhausted(_) => Exit::BudgetExhausted,
            CliError::SchemaFailed(_) => Exit::SchemaFailed,
            CliError::Internal(_) => Exit::Internal,
        }
    }

    /// A reading error with the reason worded for people (`no such file`, not `os error 2`).
    pub fn read(path: &std::path::Path, error: &std::io::Error) -> CliError {
        CliError::Read { path: path.display().to_string(), reason: io_reason(error) }
    }

    /// Writing to stdout failed because the reader went away (`rlm ... | head`):
    /// not an error worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The message as one paragraph: `error: ...` with inner line breaks
    /// folded, so it reads as one block whatever the cause's formatting.
    pub fn paragraph(&self) -> String {
        let text = self.to_string();
        let folded: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        format!("error: {}", folded.join(" "))
    }
}

impl From<rlm_config::ConfigError> for CliError {
    fn from(e: rlm_config::ConfigError) -> Self {
        use rlm_config::ConfigError;
        match e {
            ConfigError::Read { path, reason } => CliError::Read { path, reason },
            ConfigError::Config(m) => CliError::Config(m),
            ConfigError::Setting { key, origin, value, expected } => {
                CliError::Setting { key, origin, value, expected }
            }
            ConfigError::NoModel(m) => CliError::NoModel(m),
        }
    }
}

/// The exit code of a finished `rlm run`: 0 with an answer; 6 when that
/// answer fails the task's success criteria; 7 when no answer matched the
/// output schema; 4 when the root model failed; 3 when a budget (or the
/// loop's own stop) ended it without one.
pub fn exit_for_run(result: &rlm_core::RunResult) -> Exit {
    match (&result.answer, &result.finish) {
        (_, rlm_core::Finish::ModelError { .. }) => Exit::Provider,
        (_, rlm_core::Finish::SchemaFailed { .. }) => Exit::SchemaFailed,
        (_, rlm_core::Finish::Cancelled) => Exit::Cancelled,
        (Some(_), _) if result.criteria.as_ref().is_some_and(|c| !c.passed()) => {
            Exit::CriteriaFailed
        }
        (Some(_), _) => Exit::Ok,
        (None, _) => Exit::BudgetExhausted,
    }
}

/// Whether the run answered: it holds an answer and did not end on the
/// output schema or the model (whose last candidate is no answer to take).
pub fn answered(result: &rlm_core::RunResult) -> bool {
    result.answer.is_some()
        && !matches!(
            result.finish,
            rlm_core::Finish::SchemaFailed { .. } | rlm_core::Finish::ModelError { .. }
        )
}

/// What `rlm run` reports when its run ended without an answer (exit 3 or 4).
pub fn run_failure(result: &rlm_core::RunResult) -> Option<CliError> {
    match (&result.answer, &result.finish) {
        (_, rlm_core::Finish::ModelError { message }) => Some(CliError::Provider(format!(
            "the model failed after {} step(s): {message}",
            result.steps
        ))),
        (_, rlm_core::Finish::SchemaFailed { reason }) => {
            let candidate = match &result.answer {
                Some(a) => format!(" The last candidate was: {}", truncate_for_error(a)),
                None => String::new(),
            };
            Some(CliError::SchemaFailed(format!(
                "schema_failed: after {} step(s), {reason}.{candidate}",
                result.steps
            )))
        }
        (Some(_), _) => None,
        (None, finish) => {
            let why = match finish {
                rlm_core::Finish::Finalized { reason }
                | rlm_core::Finish::BestEffort { reason } => reason.clone(),
                other => format!("the run ended ({}) without an answer", other.as_str()),
            };
            Some(CliError::BudgetExhausted(format!(
                "no answer after {} step(s): {why}. Raise the budget (--max-steps, --max-tokens, \
                 --max-cost-usd, --timeout-secs) or narrow the question; `--trace FILE` records \
                 what the run did.",
                result.steps
            )))
        }
    }
}

/// An answer shown inside an error message: at most 300 characters.
fn truncate_for_error(text: &str) -> String {
    let mut shown: String = text.chars().take(300).collect();
    if shown.len() < text.len() {
        shown.push_str("...");
    }
    shown
}

impl From<rlm_core::RlmError> for CliError {
    fn from(e: rlm_core::RlmError) -> Self {
        match e {
            rlm_core::RlmError::Internal(m) => CliError::Internal(m),
            rlm_core::RlmError::Model(m) => CliError::Provider(m),
            other => CliError::Config(other.to_string()),
        }
    }
}

/// An I/O error in words.
pub fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or folder".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        _ => error.to_string(),
    }
}

/// Make any panic print one paragraph and exit with [`Exit::Internal`]: no
/// backtrace reaches the user, whatever `RUST_BACKTRACE` says. The one
/// exception is the thread the server's store is opened on, whose panic is
/// caught and reported as a damaged store.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // sled panics on some damaged files: `rlm serve` opens its store on
        // this thread, catches the panic and reports the damage (exit 2).
        if std::thread::current().name() == Some(rlm_server::STORE_OPEN_THREAD) {
            return;
        }
        let what = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "unexpected failure".to_string()
        };
        let place =
            info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
        let error = CliError::Internal(format!("{}{place}", what.trim()));
        eprintln!("{}", error.paragraph());
        std::process::exit(i32::from(Exit::Internal.code()));
    }));
}

/// Whether stdout is a terminal and colour is not turned off (`NO_COLOR`).
pub fn stdout_wants_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_folds_lines() {
        let e = CliError::Config("first line\n\n  second line\n".into());
        assert_eq!(e.paragraph(), "error: first line second line");
    }

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        let codes: Vec<u8> = [
            Exit::Ok,
            Exit::ProgramError,
            Exit::Usage,
            Exit::BudgetExhausted,
            Exit::Provider,
            Exit::Internal,
            Exit::CriteriaFailed,
            Exit::SchemaFailed,
            Exit::Cancelled,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 7, 130]);
        assert_eq!(CliError::NoModel(String::new()).exit(), Exit::Usage);
        assert_eq!(CliError::Provider(String::new()).exit(), Exit::Provider);
        assert_eq!(CliError::BudgetExhausted(String::new()).exit(), Exit::BudgetExhausted);
    }

    fn run(replies: &[&str], max_steps: Option<u64>) -> rlm_core::RunResult {
        let root = rlm_core::adapters::FakeAdapter::replies(replies.iter().copied());
        let rlm = rlm_core::Rlm::builder()
            .root(std::sync::Arc::new(root))
            .budget(rlm_core::BudgetLimits { max_steps, ..Default::default() })
            .build()
            .unwrap();
        rlm.run_blocking("q", rlm_context::Context::from_text("hello")).unwrap()
    }

    #[test]
    fn run_results_map_to_exit_codes() {
        let answered = run(&["```repl\nFINAL(len(context))\n```"], None);
        assert_eq!(exit_for_run(&answered), Exit::Ok);
        assert!(run_failure(&answered).is_none());
        let failed = run(&[], None);
        assert_eq!(exit_for_run(&failed), Exit::Provider);
        let e = run_failure(&failed).unwrap();
        assert_eq!(e.exit(), Exit::Provider);
        let spent = run(&["```repl\nprint(1)\n```", "```repl\nprint(2)\n```"], Some(1));
        assert_eq!(exit_for_run(&spent), Exit::BudgetExhausted);
        let e = run_failure(&spent).unwrap();
        assert_eq!(e.exit(), Exit::BudgetExhausted);
        assert!(e.paragraph().contains("--max-steps"), "{}", e.paragraph());
    }

    #[test]
    fn read_errors_are_worded() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = CliError::read(std::path::Path::new("x.py"), &e);
        assert_eq!(err.paragraph(), "error: cannot read x.py: no such file or folder");
    }
}
