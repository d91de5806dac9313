//! Model and run settings, resolved flags > environment > config file.
//!
//! * Flags: [`ConfigFlags`] (flatten it into a command: `--model`, `--max-steps`, ...).
//! * Environment: `RLM_MODEL`, `RLM_SUB_MODEL`, `RLM_MAX_STEPS`, `RLM_MAX_SUBCALLS`,
//!   `RLM_MAX_DEPTH`, `RLM_MAX_TOKENS`, `RLM_MAX_COST_USD`, `RLM_TIMEOUT_SECS`,
//!   `RLM_CACHE`, `RLM_CONCURRENCY`, `RLM_TRACE` (empty values count as unset).
//!   Provider keys and URLs are the adapters' own variables (`OPENAI_API_KEY`, ...;
//!   see `rlm_adapters::config`).
//! * Config file (TOML): `--config PATH`, else `RLM_CONFIG`, else `./rlm.toml`,
//!   else `$XDG_CONFIG_HOME/rlm/rlm.toml` or `~/.config/rlm/rlm.toml`. Unknown
//!   keys are errors (a typo must not silently drop a budget). Paths in it are
//!   taken as written (relative ones: from the working directory).
//!
//! `rlm config` ([`show`]) prints them.
//!
//! [`Settings::gather`] collects every layer with the source of each value;
//! [`Settings::resolve`] turns them into the [`ResolvedConfig`] a run consumes,
//! or explains exactly what to set when no model is configured.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::ModelAdapter;
use rlm_adapters::config::{EnvVars, adapter_from_model_string, known_providers};
use serde::Deserialize;

use crate::exit::{CliError, Exit};
use crate::retrieval_args::RetrievalFile;

/// The model name meaning "offline, scripted" (the adapters' `fake:scripted`,
/// whose script `RLM_FAKE_SCRIPT` names).
pub const SCRIPTED_MODEL: &str = "scripted";

/// Settings given as flags (flatten into a subcommand with `#[command(flatten)]`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigFlags {
    /// Config file to read instead of the searched ones (./rlm.toml, ~/.config/rlm/rlm.toml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Root model, `provider:model` (e.g. openai:gpt-5-mini), or `scripted` for the offline one.
    #[arg(long)]
    pub model: Option<String>,
    /// Model for subcalls (`llm_query`, ...); default: the root model.
    #[arg(long)]
    pub sub_model: Option<String>,
    /// Iterations of one RLM loop.
    #[arg(long)]
    pub max_steps: Option<u64>,
    /// Sub-model calls in the whole run.
    #[arg(long)]
    pub max_subcalls: Option<u64>,
    /// Deepest recursion (the root run is depth 0).
    #[arg(long)]
    pub max_depth: Option<u32>,
    /// Prompt + completion tokens of every model call.
    #[arg(long)]
    pub max_tokens: Option<u64>,
    /// Spend in US dollars.
    #[arg(long)]
    pub max_cost_usd: Option<f64>,
    /// Wall time of the whole run, in seconds.
    #[arg(long)]
    pub timeout_secs: Option<f64>,
    /// Completion cache folder.
    #[arg(long, value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// Model calls in flight at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Write the run's trace (JSON lines) here.
    #[arg(long, value_name = "PATH")]
    pub trace: Option<PathBuf>,
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    /// The environment variable of that name.
    Env(&'static str),
    /// The config file at that path.
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => write!(f, "flag"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Budgets of a run; `None`: no limit of that kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    pub max_steps: Option<u64>,
    pub max_subcalls: Option<u64>,
    pub max_depth: Option<u32>,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub timeout_secs: Option<f64>,
}

impl Budgets {
    /// The budgets as rlm-policy limits (other limits: the policy's defaults).
    pub fn to_limits(&self) -> rlm_policy::BudgetLimits {
        rlm_policy::BudgetLimits {
            max_steps: self.max_steps,
            max_subcalls: self.max_subcalls,
            max_depth: self.max_depth,
            max_total_tokens: self.max_tokens,
            max_cost_usd: self.max_cost_usd,
            max_wall_time: self.timeout_secs.map(Duration::from_secs_f64),
            ..rlm_policy::BudgetLimits::default()
        }
    }
}

/// Everything a run needs to know from the configuration.
///
/// For `rlm run`: `Settings::from_process(&flags)?.resolve()?`, then
/// [`ResolvedConfig::root_adapter`] / [`ResolvedConfig::sub_adapter`] and
/// [`Budgets::to_limits`]; errors already carry their exit codes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConfig {
    /// Root model: `provider:model` or [`SCRIPTED_MODEL`].
    pub model: String,
    /// Subcall model (the root model unless set).
    pub sub_model: String,
    pub budgets: Budgets,
    pub cache_path: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub trace_path: Option<PathBuf>,
    /// `[retrieval]` of the config file.
    pub retrieval: Option<RetrievalFile>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The process environment the settings were read from (for the adapters).
    pub env: EnvVars,
}

impl ResolvedConfig {
    /// The adapter for the root model.
    pub fn root_adapter(&self) -> Result<Arc<dyn ModelAdapter>, CliError> {
        build_adapter(&self.model, &self.env)
    }

    /// The adapter for subcalls.
    pub fn sub_adapter(&self) -> Result<Arc<dyn ModelAdapter>, CliError> {
        build_adapter(&self.sub_model, &self.env)
    }
}

/// Build the adapter a model string names (no network access). Failures are
/// provider errors (exit 4): the model is configured but cannot be used.
pub fn build_adapter(model: &str, env: &EnvVars) -> Result<Arc<dyn ModelAdapter>, CliError> {
    let spec = if model == SCRIPTED_MODEL { "fake:scripted" } else { model };
    adapter_from_model_string(spec, env)
        .map_err(|e| CliError::Provider(format!("model {model:?} cannot be used: {e}")))
}

/// One setting with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// Every setting found, before defaults and checks.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub model: Option<Sourced<String>>,
    pub sub_model: Option<Sourced<String>>,
    pub max_steps: Option<Sourced<u64>>,
    pub max_subcalls: Option<Sourced<u64>>,
    pub max_depth: Option<Sourced<u32>>,
    pub max_tokens: Option<Sourced<u64>>,
    pub max_cost_usd: Option<Sourced<f64>>,
    pub timeout_secs: Option<Sourced<f64>>,
    pub cache: Option<Sourced<PathBuf>>,
    pub concurrency: Option<Sourced<usize>>,
    pub trace: Option<Sourced<PathBuf>>,
    /// The config file's `[retrieval]` table (flags of `rlm run` override it).
    pub retrieval: Option<RetrievalFile>,
    /// The config file read, if any.
    pub config_file: Option<PathBuf>,
    /// The config files looked for (in order), for messages.
    pub searched: Vec<PathBuf>,
    pub env: EnvVars,
}

/// The config file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    model: Option<String>,
    sub_model: Option<String>,
    cache: Option<PathBuf>,
    concurrency: Option<usize>,
    trace: Option<PathBuf>,
    #[serde(default)]
    budgets: FileBudgets,
    retrieval: Option<RetrievalFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBudgets {
    max_steps: Option<u64>,
    max_subcalls: Option<u64>,
    max_depth: Option<u32>,
    max_tokens: Option<u64>,
    max_cost_usd: Option<f64>,
    timeout_secs: Option<f64>,
}

/// The first of flag, environment variable, file value that is set.
fn pick<T: Clone>(
    flag: Option<&T>,
    env: Option<(T, &'static str)>,
    file: Option<T>,
    file_path: Option<&Path>,
) -> Option<Sourced<T>> {
    if let Some(v) = flag {
        return Some(Sourced { value: v.clone(), source: Source::Flag });
    }
    if let Some((v, name)) = env {
        return Some(Sourced { value: v, source: Source::Env(name) });
    }
    match (file, file_path) {
        (Some(v), Some(p)) => Some(Sourced { value: v, source: Source::File(p.to_path_buf()) }),
        _ => None,
    }
}

fn env_string(env: &EnvVars, name: &'static str) -> Option<(String, &'static str)> {
    env.first(&[name]).map(|v| (v.to_string(), name))
}

fn env_parsed<T: std::str::FromStr>(
    env: &EnvVars,
    name: &'static str,
    what: &str,
) -> Result<Option<(T, &'static str)>, CliError> {
    match env.first(&[name]) {
        None => Ok(None),
        Some(v) => v.parse::<T>().map(|x| Some((x, name))).map_err(|_| {
            CliError::Config(format!("the environment variable {name}={v:?} is not {what}"))
        }),
    }
}

/// The config files searched, in order (the first that exists is read).
pub fn config_search_path(env: &EnvVars, cwd: &Path) -> Vec<PathBuf> {
    let mut paths = vec![cwd.join("rlm.toml")];
    if let Some(xdg) = env.first(&["XDG_CONFIG_HOME"]) {
        paths.push(Path::new(xdg).join("rlm").join("rlm.toml"));
    } else if let Some(home) = env.first(&["HOME"]) {
        paths.push(Path::new(home).join(".config").join("rlm").join("rlm.toml"));
    }
    paths
}

fn read_file_config(path: &Path) -> Result<FileConfig, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?;
    toml::from_str(&text).map_err(|e| {
        CliError::Config(format!(
            "the config file {} is not valid: {}",
            path.display(),
            e.message()
        ))
    })
}

impl Settings {
    /// Collect the settings from `flags`, then `env`, then the config file
    /// (found from `cwd` and `env`).
    pub fn gather(flags: &ConfigFlags, env: EnvVars, cwd: &Path) -> Result<Settings, CliError> {
        let (searched, explicit) = match (&flags.config, env.first(&["RLM_CONFIG"])) {
            (Some(p), _) => (vec![p.clone()], true),
            (None, Some(p)) => (vec![PathBuf::from(p)], true),
            (None, None) => (config_search_path(&env, cwd), false),
        };
        let mut file = FileConfig::default();
        let mut config_file = None;
        for path in &searched {
            // A file named explicitly must exist; searched ones are optional.
            if explicit || path.is_file() {
                file = read_file_config(path)?;
                config_file = Some(path.clone());
                break;
            }
        }
        let fp = config_file.as_deref();
        let b = file.budgets;
        let s = Settings {
            model: pick(flags.model.as_ref(), env_string(&env, "RLM_MODEL"), file.model, fp),
            sub_model: pick(
                flags.sub_model.as_ref(),
                env_string(&env, "RLM_SUB_MODEL"),
                file.sub_model,
                fp,
            ),
            max_steps: pick(
                flags.max_steps.as_ref(),
                env_parsed(&env, "RLM_MAX_STEPS", "a whole number")?,
                b.max_steps,
                fp,
            ),
            max_subcalls: pick(
                flags.max_subcalls.as_ref(),
                env_parsed(&env, "RLM_MAX_SUBCALLS", "a whole number")?,
                b.max_subcalls,
                fp,
            ),
            max_depth: pick(
                flags.max_depth.as_ref(),
                env_parsed(&env, "RLM_MAX_DEPTH", "a whole number")?,
                b.max_depth,
                fp,
            ),
            max_tokens: pick(
                flags.max_tokens.as_ref(),
                env_parsed(&env, "RLM_MAX_TOKENS", "a whole number")?,
                b.max_tokens,
                fp,
            ),
            max_cost_usd: pick(
                flags.max_cost_usd.as_ref(),
                env_parsed(&env, "RLM_MAX_COST_USD", "a number of dollars")?,
                b.max_cost_usd,
                fp,
            ),
            timeout_secs: pick(
                flags.timeout_secs.as_ref(),
                env_parsed(&env, "RLM_TIMEOUT_SECS", "a number of seconds")?,
                b.timeout_secs,
                fp,
            ),
            cache: pick(
                flags.cache.as_ref(),
                env_string(&env, "RLM_CACHE").map(|(v, n)| (PathBuf::from(v), n)),
                file.cache,
                fp,
            ),
            concurrency: pick(
                flags.concurrency.as_ref(),
                env_parsed(&env, "RLM_CONCURRENCY", "a whole number")?,
                file.concurrency,
                fp,
            ),
            trace: pick(
                flags.trace.as_ref(),
                env_string(&env, "RLM_TRACE").map(|(v, n)| (PathBuf::from(v), n)),
                file.trace,
                fp,
            ),
            retrieval: file.retrieval,
            config_file,
            searched,
            env,
        };
        s.check_values()?;
        Ok(s)
    }

    /// [`Settings::gather`] from the process environment and working directory.
    pub fn from_process(flags: &ConfigFlags) -> Result<Settings, CliError> {
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::Config(format!("cannot read the working directory: {e}")))?;
        Settings::gather(flags, EnvVars::from_process(), &cwd)
    }

    fn check_values(&self) -> Result<(), CliError> {
        let bad = |what: &str, source: &Source, why: &str| {
            CliError::Config(format!("{what} (from {source}) {why}"))
        };
        for (name, v) in
            [("max_cost_usd", &self.max_cost_usd), ("timeout_secs", &self.timeout_secs)]
        {
            if let Some(s) = v {
                if !s.value.is_finite() || s.value <= 0.0 {
                    return Err(bad(name, &s.source, "must be a positive number"));
                }
                if name == "timeout_secs" && s.value > 1e9 {
                    return Err(bad(name, &s.source, "is too large (at most 1e9 seconds)"));
                }
            }
        }
        if let Some(s) = &self.concurrency {
            if s.value == 0 {
                return Err(bad("concurrency", &s.source, "must be at least 1"));
            }
        }
        for (name, v) in [("model", &self.model), ("sub_model", &self.sub_model)] {
            if let Some(s) = v {
                check_model_string(&s.value).map_err(|why| bad(name, &s.source, &why))?;
            }
        }
        Ok(())
    }

    /// The configuration a run uses; fails with exactly what to set when no
    /// model is configured.
    pub fn resolve(&self) -> Result<ResolvedConfig, CliError> {
        let Some(model) = &self.model else {
            return Err(CliError::NoModel(no_model_message(&self.searched)));
        };
        let v = |o: &Option<Sourced<u64>>| o.as_ref().map(|s| s.value);
        Ok(ResolvedConfig {
            model: model.value.clone(),
            sub_model: self.sub_model.as_ref().unwrap_or(model).value.clone(),
            budgets: Budgets {
                max_steps: v(&self.max_steps),
                max_subcalls: v(&self.max_subcalls),
                max_depth: self.max_depth.as_ref().map(|s| s.value),
                max_tokens: v(&self.max_tokens),
                max_cost_usd: self.max_cost_usd.as_ref().map(|s| s.value),
                timeout_secs: self.timeout_secs.as_ref().map(|s| s.value),
            },
            cache_path: self.cache.as_ref().map(|s| s.value.clone()),
            concurrency: self.concurrency.as_ref().map(|s| s.value),
            trace_path: self.trace.as_ref().map(|s| s.value.clone()),
            retrieval: self.retrieval.clone(),
            config_file: self.config_file.clone(),
            env: self.env.clone(),
        })
    }

    /// Each setting that is set, as `(name, value, source)`, for `rlm config`.
    pub fn listing(&self) -> Vec<(&'static str, String, String)> {
        fn row<T: std::fmt::Debug>(
            out: &mut Vec<(&'static str, String, String)>,
            name: &'static str,
            s: &Option<Sourced<T>>,
            show: impl Fn(&T) -> String,
        ) {
            if let Some(s) = s {
                out.push((name, show(&s.value), s.source.to_string()));
            }
        }
        let mut out = Vec::new();
        let text = |v: &String| v.clone();
        let num = |v: &u64| v.to_string();
        let float = |v: &f64| v.to_string();
        let path = |v: &PathBuf| v.display().to_string();
        row(&mut out, "model", &self.model, text);
        row(&mut out, "sub_model", &self.sub_model, text);
        row(&mut out, "max_steps", &self.max_steps, num);
        row(&mut out, "max_subcalls", &self.max_subcalls, num);
        row(&mut out, "max_depth", &self.max_depth, |v| v.to_string());
        row(&mut out, "max_tokens", &self.max_tokens, num);
        row(&mut out, "max_cost_usd", &self.max_cost_usd, float);
        row(&mut out, "timeout_secs", &self.timeout_secs, float);
        row(&mut out, "cache", &self.cache, path);
        row(&mut out, "concurrency", &self.concurrency, |v| v.to_string());
        row(&mut out, "trace", &self.trace, path);
        out
    }
}

/// `provider:model` with a known provider, or [`SCRIPTED_MODEL`].
fn check_model_string(model: &str) -> Result<(), String> {
    if model == SCRIPTED_MODEL {
        return Ok(());
    }
    let providers = known_providers();
    match model.split_once(':') {
        Some((p, m)) if !m.trim().is_empty() => {
            if providers.contains(&p.trim().to_ascii_lowercase().as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "names the unknown provider {p:?} in {model:?}; known providers: {}",
                    providers.join(", ")
                ))
            }
        }
        _ => Err(format!(
            "is {model:?}, which is not `provider:model` (e.g. openai:gpt-5-mini) or `{SCRIPTED_MODEL}`"
        )),
    }
}

/// The message shown when no model is configured: every way to set one and
/// the key each common provider needs.
pub fn no_model_message(searched: &[PathBuf]) -> String {
    let files: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
    let mut provider_keys: BTreeMap<&str, &str> = BTreeMap::new();
    provider_keys.insert("openai", "OPENAI_API_KEY");
    provider_keys.insert("anthropic", "ANTHROPIC_API_KEY");
    provider_keys.insert("gemini", "GEMINI_API_KEY");
    provider_keys.insert("openrouter", "OPENROUTER_API_KEY");
    let keys: Vec<String> = provider_keys.iter().map(|(p, k)| format!("{k} for {p}:")).collect();
    format!(
        "no model is configured. Pass `--model openai:gpt-5-mini`, or set the environment variable \
         RLM_MODEL=openai:gpt-5-mini, or put `model = \"openai:gpt-5-mini\"` in a config file \
         (looked for: {}). The provider also needs its API key in the environment: {}; local \
         servers (ollama:, vllm:, lmstudio:, llamacpp:) need none. To run offline with scripted \
         replies, use `--model {SCRIPTED_MODEL}` with RLM_FAKE_SCRIPT=path/to/script.json.",
        if files.is_empty() { "none".to_string() } else { files.join(", ") },
        keys.join(", ")
    )
}

/// `rlm config`: each setting with its source, then the model check.
pub fn show(flags: ConfigFlags) -> Result<Exit, CliError> {
    let settings = Settings::from_process(&flags)?;
    let mut text = String::new();
    match &settings.config_file {
        Some(p) => text.push_str(&format!("config file: {}\n", p.display())),
        None => {
            let searched: Vec<String> =
                settings.searched.iter().map(|p| p.display().to_string()).collect();
            text.push_str(&format!("config file: none (looked for {})\n", searched.join(", ")));
        }
    }
    for (name, value, source) in settings.listing() {
        text.push_str(&format!("{name} = {value}  ({source})\n"));
    }
    let resolved = settings.resolve()?;
    resolved.root_adapter()?;
    resolved.sub_adapter()?;
    text.push_str(&format!(
        "model check: {} and {} can be set up\n",
        resolved.model, resolved.sub_model
    ));
    print_stdout(&text)?;
    Ok(Exit::Ok)
}

fn print_stdout(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::Write { what: "stdout".into(), source: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvVars {
        EnvVars::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn dir_with_config(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rlm.toml"), text).unwrap();
        dir
    }

    const FILE: &str = r#"
model = "anthropic:claude-sonnet-4-5"
sub_model = "openai:gpt-5-mini"
concurrency = 4
trace = "file-trace.jsonl"

[budgets]
max_steps = 7
max_cost_usd = 1.5
timeout_secs = 30
"#;

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = dir_with_config(FILE);
        let flags = ConfigFlags { model: Some("openai:gpt-5".into()), ..Default::default() };
        let e = env(&[
            ("RLM_MODEL", "ollama:llama3"),
            ("RLM_MAX_STEPS", "3"),
            ("RLM_SUB_MODEL", ""), // empty: unset, the file's value counts
            ("HOME", "/nonexistent"),
        ]);
        let s = Settings::gather(&flags, e, dir.path()).unwrap();
        assert_eq!(s.model.as_ref().unwrap().source, Source::Flag);
        assert_eq!(s.max_steps.as_ref().unwrap().source, Source::Env("RLM_MAX_STEPS"));
        let file = dir.path().join("rlm.toml");
        assert_eq!(s.sub_model.as_ref().unwrap().source, Source::File(file.clone()));
        let r = s.resolve().unwrap();
        assert_eq!(r.model, "openai:gpt-5");
        assert_eq!(r.sub_model, "openai:gpt-5-mini");
        assert_eq!(r.budgets.max_steps, Some(3));
        assert_eq!(r.budgets.max_cost_usd, Some(1.5));
        assert_eq!(r.budgets.timeout_secs, Some(30.0));
        assert_eq!(r.budgets.max_subcalls, None);
        assert_eq!(r.concurrency, Some(4));
        assert_eq!(r.trace_path, Some(PathBuf::from("file-trace.jsonl")));
        assert_eq!(r.config_file, Some(file));
        let limits = r.budgets.to_limits();
        assert_eq!(limits.max_steps, Some(3));
        assert_eq!(limits.max_wall_time, Some(Duration::from_secs(30)));
    }

    #[test]
    fn environment_beats_file_and_sub_model_defaults_to_model() {
        let dir = dir_with_config("model = \"openai:gpt-5\"\n");
        let s = Settings::gather(
            &ConfigFlags::default(),
            env(&[("RLM_MODEL", "vllm:qwen"), ("HOME", "/nonexistent")]),
            dir.path(),
        )
        .unwrap();
        let r = s.resolve().unwrap();
        assert_eq!(r.model, "vllm:qwen");
        assert_eq!(r.sub_model, "vllm:qwen");
    }

    #[test]
    fn explicit_config_path_and_xdg_search() {
        let dir = dir_with_config("model = \"openai:from-cwd\"\n");
        let other = tempfile::tempdir().unwrap();
        let explicit = other.path().join("custom.toml");
        std::fs::write(&explicit, "model = \"openai:from-flag-file\"\n").unwrap();
        let flags = ConfigFlags { config: Some(explicit.clone()), ..Default::default() };
        let s = Settings::gather(&flags, env(&[]), dir.path()).unwrap();
        assert_eq!(s.resolve().unwrap().model, "openai:from-flag-file");
        // No ./rlm.toml: the XDG one is read.
        let xdg = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(xdg.path().join("rlm")).unwrap();
        std::fs::write(xdg.path().join("rlm/rlm.toml"), "model = \"openai:from-xdg\"\n").unwrap();
        let empty = tempfile::tempdir().unwrap();
        let e = env(&[("XDG_CONFIG_HOME", xdg.path().to_str().unwrap())]);
        let s = Settings::gather(&ConfigFlags::default(), e, empty.path()).unwrap();
        assert_eq!(s.resolve().unwrap().model, "openai:from-xdg");
        // ~/.config/rlm/rlm.toml without XDG_CONFIG_HOME.
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".config/rlm")).unwrap();
        std::fs::write(home.path().join(".config/rlm/rlm.toml"), "model = \"openai:home\"\n")
            .unwrap();
        let e = env(&[("HOME", home.path().to_str().unwrap())]);
        let s = Settings::gather(&ConfigFlags::default(), e, empty.path()).unwrap();
        assert_eq!(s.resolve().unwrap().model, "openai:home");
        // A named config file that does not exist is an error.
        let flags =
            ConfigFlags { config: Some(other.path().join("nope.toml")), ..Default::default() };
        let err = Settings::gather(&flags, env(&[]), empty.path()).unwrap_err();
        assert!(err.paragraph().contains("nope.toml: no such file"), "{}", err.paragraph());
    }

    #[test]
    fn no_model_says_exactly_what_to_set() {
        let empty = tempfile::tempdir().unwrap();
        let s =
            Settings::gather(&ConfigFlags::default(), env(&[("HOME", "/home/u")]), empty.path())
                .unwrap();
        let err = s.resolve().unwrap_err();
        assert_eq!(err.exit(), crate::exit::Exit::Usage);
        let text = err.paragraph();
        for needle in [
            "no model is configured",
            "--model openai:gpt-5-mini",
            "RLM_MODEL=openai:gpt-5-mini",
            "OPENAI_API_KEY for openai:",
            "ANTHROPIC_API_KEY for anthropic:",
            "--model scripted",
            "RLM_FAKE_SCRIPT",
            "/home/u/.config/rlm/rlm.toml",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
        assert!(!text.contains('\n'));
    }

    #[test]
    fn bad_values_name_their_source() {
        let empty = tempfile::tempdir().unwrap();
        let err = Settings::gather(
            &ConfigFlags::default(),
            env(&[("RLM_MAX_STEPS", "ten")]),
            empty.path(),
        )
        .unwrap_err();
        assert_eq!(
            err.paragraph(),
            "error: the environment variable RLM_MAX_STEPS=\"ten\" is not a whole number"
        );
        let flags = ConfigFlags { model: Some("gpt-5".into()), ..Default::default() };
        let err = Settings::gather(&flags, env(&[]), empty.path()).unwrap_err();
        assert!(
            err.paragraph()
                .contains("model (from flag) is \"gpt-5\", which is not `provider:model`")
        );
        let flags = ConfigFlags { model: Some("nosuch:m".into()), ..Default::default() };
        let err = Settings::gather(&flags, env(&[]), empty.path()).unwrap_err();
        assert!(err.paragraph().contains("unknown provider \"nosuch\""));
        let dir = dir_with_config("modle = \"openai:x\"\n");
        let err = Settings::gather(&ConfigFlags::default(), env(&[]), dir.path()).unwrap_err();
        assert!(
            err.paragraph().contains("is not valid: unknown field `modle`"),
            "{}",
            err.paragraph()
        );
        let dir = dir_with_config("[budgets]\nmax_cost_usd = -1\n");
        let err = Settings::gather(&ConfigFlags::default(), env(&[]), dir.path()).unwrap_err();
        assert!(err.paragraph().contains("max_cost_usd (from "), "{}", err.paragraph());
        assert_eq!(err.exit(), crate::exit::Exit::Usage);
    }

    #[test]
    fn adapters_come_from_the_model_string_and_missing_keys_are_provider_errors() {
        let r = ResolvedConfig {
            model: "openai:gpt-5-mini".into(),
            sub_model: "fake:echo".into(),
            budgets: Budgets::default(),
            cache_path: None,
            concurrency: None,
            trace_path: None,
            retrieval: None,
            config_file: None,
            env: env(&[]),
        };
        let err = r.root_adapter().err().unwrap();
        assert_eq!(err.exit(), crate::exit::Exit::Provider);
        assert!(err.paragraph().contains("OPENAI_API_KEY"), "{}", err.paragraph());
        assert!(r.sub_adapter().is_ok());
        let with_key = ResolvedConfig { env: env(&[("OPENAI_API_KEY", "sk-test")]), ..r };
        assert!(with_key.root_adapter().is_ok());
    }
}
