//! Shared by the file-based examples: loading contexts, choosing models (a
//! real provider, or the offline pair below), and a JSON-file memory store.
//!
//! Offline, the root model is a script that writes the same two programs for
//! any question (look at the context; `ask_chunks(query, ...)`, keep the
//! answers, `FINAL`), and the sub-model is an *extractive* reader: it returns
//! the sentence of the text that shares the most words with the question, or
//! NOT FOUND. Both are honest stand-ins, not language models.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use rlm_adapters::{CallReport, EnvVars, FakeAdapter, ModelAdapter, adapter_from_model_string};
use rlm_context::{Context, Document, LoadOptions};
use rlm_core::{MemoryMap, MemoryStore};
use rlm_types::{Completion, CompletionRequest, ModelId, Usage};

/// The offline root model's programs.
pub const OFFLINE_ROOT_REPLIES: [&str; 2] = [
    "```repl\nprint(f\"{len(context):,} chars in {ctx.num_documents()} documents\")\nprint(peek(200))\n```",
    "```repl\nanswers = ask_chunks(query, ctx.chunk(4000))\nfound = [a for a in answers if a.strip().upper() != 'NOT FOUND']\nprint(len(answers), 'chunks;', len(found), 'with an answer:', found[:3])\nFINAL(found[0] if found else 'The documents do not say.')\n```",
];

/// Reads the sentence of the text that best matches the question.
pub struct ExtractiveModel;

impl ModelAdapter for ExtractiveModel {
    fn model_id(&self) -> ModelId {
        ModelId::new("offline", "extractive")
    }

    fn context_window(&self) -> Option<u64> {
        Some(32_768)
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        let prompt = request.messages.last().map(|m| m.content.as_str()).unwrap_or("");
        let (question, text) = match (prompt.find("Question:"), prompt.find("\nText:\n")) {
            (Some(q), Some(t)) if q < t => (&prompt[q + 9..t], &prompt[t + 7..]),
            _ => ("", prompt),
        };
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 4)
                .map(str::to_lowercase)
                .collect()
        };
        let asked = words(question);
        let best = text
            .split(['.', '\n'])
            .map(|s| (words(s).iter().filter(|w| asked.contains(w)).count(), s.trim()))
            .filter(|(score, s)| *score > 0 && !s.is_empty())
            .max_by_key(|(score, _)| *score);
        let reply = best.map(|(_, s)| format!("{s}.")).unwrap_or_else(|| "NOT FOUND".into());
        let usage = Usage {
            prompt_tokens: rlm_types::estimate_tokens(prompt),
            completion_tokens: rlm_types::estimate_tokens(&reply),
            cached_tokens: 0,
        };
        let completion = Completion {
            text: reply,
            usage,
            finish_reason: None,
            model: "offline:extractive".into(),
            latency: std::time::Duration::ZERO,
        };
        Box::pin(async move { CallReport::single(Ok(completion)) })
    }
}

/// A root model and a sub-model.
pub type ModelPair = (Arc<dyn ModelAdapter>, Arc<dyn ModelAdapter>);

/// Root and sub-model: `--model`/`--sub-model` (a real provider), else offline.
pub fn models(model: Option<&str>, sub_model: Option<&str>) -> Result<ModelPair, String> {
    let env = EnvVars::from_process();
    match model {
        Some(m) => {
            let root = adapter_from_model_string(m, &env).map_err(|e| e.to_string())?;
            let sub = match sub_model {
                Some(s) => adapter_from_model_string(s, &env).map_err(|e| e.to_string())?,
                None => Arc::clone(&root),
            };
            Ok((root, sub))
        }
        None => Ok((
            Arc::new(FakeAdapter::replies(OFFLINE_ROOT_REPLIES).with_model_name("offline-script")),
            Arc::new(ExtractiveModel),
        )),
    }
}

/// One document per path (files or folders).
pub fn load(paths: &[PathBuf]) -> Result<Context, String> {
    let options = LoadOptions::default();
    let mut docs = Vec::new();
    for p in paths {
        let c = Context::from_path(p, &options).map_err(|e| format!("{}: {e}", p.display()))?;
        docs.push(Document::named(p.display().to_string(), c.as_str().to_string()));
    }
    if docs.is_empty() {
        return Err("no context: pass --context PATH".into());
    }
    Ok(Context::from_documents(docs))
}

/// `memory` kept in (and written back to) a JSON value the example owns.
#[derive(Default)]
pub struct JsonMemory(pub Mutex<MemoryMap>);

impl MemoryStore for JsonMemory {
    fn load(&self) -> MemoryMap {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
    fn save(&self, memory: MemoryMap) {
        if let Ok(mut m) = self.0.lock() {
            *m = memory;
        }
    }
}

/// Value of `--name` in `args`, if present.
pub fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Every value of a repeated `--name`.
pub fn flags(args: &[String], name: &str) -> Vec<String> {
    args.windows(2).filter(|w| w[0] == name).map(|w| w[1].clone()).collect()
}

/// Enzu's file convention for one session in a folder: `NAME_input.txt` (what
/// the user asks), `NAME_output.txt` (the answer), `NAME_state.json` (the
/// session: its budget and spend, history and `memory`, as rlm-core's
/// `SessionState`).
pub struct SessionFiles {
    pub input: PathBuf,
    pub output: PathBuf,
    pub state: PathBuf,
}

impl SessionFiles {
    pub fn new(dir: &std::path::Path, name: &str) -> SessionFiles {
        SessionFiles {
            input: dir.join(format!("{name}_input.txt")),
            output: dir.join(format!("{name}_output.txt")),
            state: dir.join(format!("{name}_state.json")),
        }
    }
}

/// Why an example stopped: the message, and its exit code (3: the session's
/// budget is spent, so the run was refused; 2: anything else).
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, code: 2 }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure { message: message.to_string(), code: 2 }
    }
}

impl From<rlm_core::SessionError> for Failure {
    fn from(e: rlm_core::SessionError) -> Failure {
        let code = match e {
            rlm_core::SessionError::BudgetExhausted { .. } => 3,
            _ => 2,
        };
        Failure { message: e.to_string(), code }
    }
}

/// Runs `run`, printing a failure as `error: ...` and exiting with its code.
pub fn main_with(run: fn() -> Result<(), Failure>) {
    if let Err(f) = run() {
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}

/// The session's caps from `--session-max-tokens`, `--session-max-cost-usd`,
/// `--session-max-calls`, `--session-max-runs` (Enzu's `Session(max_cost_usd,
/// max_tokens)`).
pub fn session_limits(args: &[String]) -> Result<rlm_core::SessionLimits, String> {
    fn num<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, String> {
        flag(args, name)
            .map(|v| v.parse().map_err(|_| format!("{name} {v:?} is not a number")))
            .transpose()
    }
    Ok(rlm_core::SessionLimits {
        max_tokens: num(args, "--session-max-tokens")?,
        max_cost_usd: num(args, "--session-max-cost-usd")?,
        max_calls: num(args, "--session-max-calls")?,
        max_executions: num(args, "--session-max-runs")?,
    })
}

/// The session saved in `files.state`, or a new one with `limits`. Caps given
/// on the command line replace the saved ones; the spend so far is kept, so
/// the budget holds across runs.
pub fn open_session(
    rlm: &rlm_core::Rlm,
    context: Context,
    files: &SessionFiles,
    limits: rlm_core::SessionLimits,
) -> Result<rlm_core::Session, Failure> {
    let given = limits != rlm_core::SessionLimits::default();
    match std::fs::read_to_string(&files.state) {
        Ok(text) => {
            let mut state: rlm_core::SessionState = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a session state: {e}", files.state.display()))?;
            if given {
                state.settings.limits = limits;
            }
            Ok(rlm_core::Session::restore(rlm, context, state)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let settings =
                rlm_core::SessionSettings { limits, stream_root: false, ..Default::default() };
            Ok(rlm_core::Session::new(rlm, context, settings))
        }
        Err(e) => Err(format!("{}: {e}", files.state.display()).into()),
    }
}

/// One turn in Enzu's file convention, as both file examples take it: the
/// flags (`--dir`, `--name`, `--context`, `--model`, `--sub-model`, session
/// caps) name the files; `NAME_input.txt` is run in the session kept in
/// `NAME_state.json`. A run that started is recorded, whatever its end; one
/// the budget refused changes nothing.
pub struct Turn {
    pub files: SessionFiles,
    pub input: String,
    pub session: rlm_core::Session,
    pub execution: rlm_core::Execution,
}

/// Runs [`Turn`] for the command line `args`; `default_name` when `--name` is absent.
pub fn run_turn(args: &[String], default_name: &str) -> Result<Turn, Failure> {
    let dir = PathBuf::from(flag(args, "--dir").ok_or("--dir DIR is required")?);
    let name = flag(args, "--name").unwrap_or_else(|| default_name.into());
    let files = SessionFiles::new(&dir, &name);
    let contexts: Vec<PathBuf> = flags(args, "--context").into_iter().map(PathBuf::from).collect();
    let input = read_input(&files)?;
    let (root, sub) =
        models(flag(args, "--model").as_deref(), flag(args, "--sub-model").as_deref())?;
    let rlm =
        rlm_core::Rlm::builder().root(root).sub_model(sub).build().map_err(|e| e.to_string())?;
    let session = open_session(&rlm, load(&contexts)?, &files, session_limits(args)?)?;
    let outcome = session.execute_blocking(input.as_str());
    if !matches!(outcome, Err(rlm_core::SessionError::BudgetExhausted { .. })) {
        save_session(&session, &files)?;
    }
    Ok(Turn { execution: outcome?, files, input, session })
}

/// Writes the session back to `files.state`.
pub fn save_session(session: &rlm_core::Session, files: &SessionFiles) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(&session.state()).map_err(|e| e.to_string())?;
    std::fs::write(&files.state, text).map_err(|e| format!("{}: {e}", files.state.display()))?;
    Ok(())
}

/// The text of `files.input`, trimmed; an empty input is an error.
pub fn read_input(files: &SessionFiles) -> Result<String, Failure> {
    let text = std::fs::read_to_string(&files.input)
        .map_err(|e| format!("{}: {e}", files.input.display()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(format!("{} is empty: nothing to answer", files.input.display()).into());
    }
    Ok(text)
}
