//! Run settings, resolved flag > environment > profile > config file > default,
//! each knob of the table in [`crate::knobs`] read the same way from every source.
//!
//! * Flags: [`ConfigFlags`] (flatten it into a command): `--config`, `--profile`
//!   and one flag per knob, generated from the table.
//! * Environment: one `RLM_*` variable per knob (`RLM_MODEL`, `RLM_MAX_STEPS`,
//!   ...; empty values count as unset), `RLM_CONFIG`, `RLM_PROFILE`. Provider
//!   keys and URLs are the adapters' own variables (`OPENAI_API_KEY`, ...; see
//!   `rlm_adapters::config`).
//! * Config file (TOML): `--config PATH`, else `RLM_CONFIG`, else `./rlm.toml`,
//!   else `$XDG_CONFIG_HOME/rlm/rlm.toml` or `~/.config/rlm/rlm.toml`. Keys are
//!   the knobs' (dotted keys are tables: `budgets.max_steps` is `max_steps` in
//!   `[budgets]`); `[profiles.NAME]` tables hold the same keys and win over the
//!   file's own when `--profile NAME` / `RLM_PROFILE` selects them. Unknown keys
//!   are errors with a suggestion (a typo must not silently drop a budget).
//!   Paths in it are taken as written (relative ones: from the working directory).
//!
//! [`Settings::gather`] collects every knob's value with its [`Source`] (a bad
//! value names the key, the source and what was expected);
//! [`Settings::resolve`] turns them into the [`ResolvedConfig`] a run consumes,
//! or explains exactly what to set when no model is configured. `rlm config`
//! ([`show`]) prints them all, as text or `--json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::ModelAdapter;
use rlm_adapters::{EnvVars, adapter_from_model_string, known_providers};
use toml::de::{DeTable, DeValue};

use crate::exit::{CliError, Exit};
use crate::knobs::{KNOBS, Kind, Knob, RateLimit, Value, knob, suggest};
use crate::retrieval_args::RetrievalFile;

/// The model name meaning "offline, scripted" (the adapters' `fake:scripted`,
/// whose script `RLM_FAKE_SCRIPT` names).
pub const SCRIPTED_MODEL: &str = "scripted";

/// Steps of one RLM loop when nothing caps them: a run must end even if
/// nothing else is capped.
pub const DEFAULT_MAX_STEPS: u64 = 20;

/// Settings given as flags: `--config`, `--profile`, and one flag per knob
/// of [`crate::knobs::KNOBS`] (flatten into a subcommand with `#[command(flatten)]`).
/// Values are kept as text and parsed by the knob's kind, as every source is.
#[derive(Debug, Clone, Default)]
pub struct ConfigFlags {
    /// Config file to read instead of the searched ones.
    pub config: Option<PathBuf>,
    /// The `[profiles.NAME]` table of the config file to apply.
    pub profile: Option<String>,
    values: BTreeMap<&'static str, String>,
}

impl ConfigFlags {
    /// The flag given for the knob `key`, as typed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Sets the knob `key` as if its flag had been given.
    ///
    /// # Panics
    /// When `key` is not a knob's key (a bug in the caller, not input).
    pub fn set(&mut self, key: &'static str, value: impl Into<String>) {
        assert!(knob(key).is_some(), "{key} is not a knob");
        self.values.insert(key, value.into());
    }

    /// [`ConfigFlags::set`] unless the flag was given.
    pub fn set_if_unset(&mut self, key: &'static str, value: Option<impl Into<String>>) {
        if let Some(v) = value
            && !self.values.contains_key(key)
        {
            self.set(key, v);
        }
    }
}

impl clap::FromArgMatches for ConfigFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = ConfigFlags {
            config: matches.try_get_one::<PathBuf>("config").ok().flatten().cloned(),
            profile: matches.try_get_one::<String>("profile").ok().flatten().cloned(),
            values: BTreeMap::new(),
        };
        for k in KNOBS {
            if let Ok(Some(v)) = matches.try_get_one::<String>(k.key) {
                flags.values.insert(k.key, v.clone());
            }
        }
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for ConfigFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        use clap::{Arg, ArgAction, value_parser};
        let mut cmd = cmd
            .arg(
                Arg::new("config")
                    .long("config")
                    .value_name("PATH")
                    .value_parser(value_parser!(PathBuf))
                    .action(ArgAction::Set)
                    .help("Config file to read instead of the searched ones (./rlm.toml, ~/.config/rlm/rlm.toml)"),
            )
            .arg(
                Arg::new("profile")
                    .long("profile")
                    .value_name("NAME")
                    .action(ArgAction::Set)
                    .help("Apply the config file's [profiles.NAME] table (or RLM_PROFILE)"),
            );
        for k in KNOBS {
            let mut arg = Arg::new(k.key)
                .long(k.flag)
                .action(ArgAction::Set)
                .value_name(value_name(k.kind))
                .help(format!("{} [env: {}] [rlm.toml: {}]", k.help, k.env, k.key));
            // A bare `--require-subcall` means true; a bare `--first-step`, 5 hits.
            match (k.kind, k.key) {
                (Kind::Bool, _) => arg = arg.num_args(0..=1).default_missing_value("true"),
                (_, "retrieval.first_step") => {
                    arg = arg.num_args(0..=1).default_missing_value("5");
                }
                _ => {}
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

fn value_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Model => "PROVIDER:MODEL",
        Kind::Count | Kind::AtLeastOne => "N",
        Kind::Seconds => "SECS",
        Kind::Dollars => "USD",
        Kind::Path => "PATH",
        Kind::Text | Kind::Helps => "TEXT",
        Kind::Bool => "BOOL",
        Kind::Choice(_) => "WORD",
        Kind::RateLimits => "MODEL=rpm:N,tpm:N;...",
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// No source set it: the library's default.
    Default,
    /// The config file, at this line.
    File { path: PathBuf, line: usize },
    /// The `[profiles.NAME]` table of the config file, at this line.
    Profile { name: String, path: PathBuf, line: usize },
    /// The environment variable of that name.
    Env(&'static str),
    /// The flag of that name (without dashes).
    Flag(&'static str),
}

impl Source {
    /// `default`, `file`, `profile`, `env` or `flag`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File { .. } => "file",
            Source::Profile { .. } => "profile",
            Source::Env(_) => "env",
            Source::Flag(_) => "flag",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File { path, line } => write!(f, "file {}:{line}", path.display()),
            Source::Profile { name, path, line } => {
                write!(f, "profile {name}, {}:{line}", path.display())
            }
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Flag(flag) => write!(f, "flag --{flag}"),
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

/// The loop's guards (`[guards]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Guards {
    pub require_program: bool,
    pub require_subcall: bool,
    pub max_invalid_replies: u32,
    /// The fallback program's source (read from `guards.fallback_program`).
    pub fallback_program: Option<String>,
}

/// How logs on stderr are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything a run needs to know from the configuration.
///
/// For `rlm run`: `Settings::from_process(&flags)?.resolve()?`, then
/// [`ResolvedConfig::root_adapter`] / [`ResolvedConfig::sub_adapter`] and
/// [`Budgets::to_limits`]; errors already carry their exit codes.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    /// Root model: `provider:model` or [`SCRIPTED_MODEL`].
    pub model: String,
    /// Subcall model (the root model unless set).
    pub sub_model: String,
    pub budgets: Budgets,
    pub cache_path: Option<PathBuf>,
    pub concurrency: Option<usize>,
    /// Per-model rates (`*`: every model without its own entry).
    pub rate_limits: Vec<RateLimit>,
    pub trace_path: Option<PathBuf>,
    /// The interpreter's limits (fuel and memory from the settings, the rest default).
    pub interpreter_limits: rlm_interp::Limits,
    pub guards: Guards,
    /// SmartRouter: contexts up to this many characters are asked directly.
    pub smart_router_chars: Option<u64>,
    /// `auto`, `full` or `compact`.
    pub prompt_profile: Option<String>,
    /// `auto`, `all`, `none` or a list of helps.
    pub helps: Option<String>,
    /// The `retrieval.*` settings.
    pub retrieval: RetrievalFile,
    pub log_format: LogFormat,
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

    /// The scheduler: the concurrency cap and the per-model rates.
    pub fn scheduler_config(&self) -> Result<rlm_sched::SchedulerConfig, CliError> {
        let mut config = rlm_sched::SchedulerConfig::default();
        if let Some(c) = self.concurrency {
            config.max_concurrency = c;
        }
        for limit in &self.rate_limits {
            let limits = rlm_sched::ModelLimits {
                requests_per_minute: limit.requests_per_minute,
                tokens_per_minute: limit.tokens_per_minute,
                ..Default::default()
            };
            if limit.model == "*" {
                config.default_limits = limits;
                continue;
            }
            let spec = if limit.model == SCRIPTED_MODEL { "fake:scripted" } else { &limit.model };
            let id: rlm_types::ModelId = spec.parse().map_err(|e| {
                CliError::Config(format!(
                    "rate_limits: the model {:?} is not valid: {e}",
                    limit.model
                ))
            })?;
            config.model_limits.insert(id, limits);
        }
        Ok(config)
    }

    /// The loop's options: the guards, the depth and `helps`.
    pub fn loop_options(&self, helps: rlm_core::Helps) -> rlm_core::LoopOptions {
        let defaults = rlm_core::LoopOptions::default();
        rlm_core::LoopOptions {
            max_depth: self.budgets.max_depth.unwrap_or(defaults.max_depth),
            require_program_before_final: self.guards.require_program,
            require_subcall_before_final: self.guards.require_subcall,
            max_invalid_replies: self.guards.max_invalid_replies,
            fallback_program: self.guards.fallback_program.clone(),
            helps,
            ..defaults
        }
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

/// The text each key of a config file (or of one of its profiles) gives, with its line.
type FileValues = BTreeMap<&'static str, (String, usize)>;

/// A config file read through the knob table.
#[derive(Debug, Default)]
struct ConfigFile {
    values: FileValues,
    profiles: BTreeMap<String, FileValues>,
}

/// Every knob's value with its source (unset knobs without a default are absent).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: BTreeMap<&'static str, Sourced<Value>>,
    /// The profile applied, if any, and where it was chosen.
    pub profile: Option<(String, Source)>,
    /// The config file read, if any.
    pub config_file: Option<PathBuf>,
    /// The config files looked for (in order), for messages.
    pub searched: Vec<PathBuf>,
    pub env: EnvVars,
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

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn read_config_file(path: &Path) -> Result<ConfigFile, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?;
    let table = DeTable::parse(&text).map_err(|e| {
        let at = e.span().map(|s| format!(":{}", line_of(&text, s.start))).unwrap_or_default();
        CliError::Config(format!(
            "the config file {}{at} is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    let mut file = ConfigFile::default();
    let reader = FileReader { path, text: &text };
    for (key, value) in table.get_ref() {
        if key.get_ref() == "profiles" {
            let Some(profiles) = value.get_ref().as_table() else {
                return Err(reader.error(
                    value.span().start,
                    "profiles",
                    "must be a table of [profiles.NAME] tables",
                ));
            };
            for (name, body) in profiles {
                let Some(body) = body.get_ref().as_table() else {
                    return Err(reader.error(
                        body.span().start,
                        &format!("profiles.{}", name.get_ref()),
                        "must be a table",
                    ));
                };
                let values = file.profiles.entry(name.get_ref().to_string()).or_default();
                reader.walk(body, "", values)?;
            }
            continue;
        }
        reader.walk_one(key.get_ref(), value, "", &mut file.values)?;
    }
    Ok(file)
}

/// Reads one config file's tables into key → (text, line).
struct FileReader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl FileReader<'_> {
    fn error(&self, at: usize, key: &str, why: &str) -> CliError {
        CliError::Config(format!(
            "{}:{}: `{key}` {why}",
            self.path.display(),
            line_of(self.text, at)
        ))
    }

    fn walk(
        &self,
        table: &DeTable<'_>,
        prefix: &str,
        out: &mut FileValues,
    ) -> Result<(), CliError> {
        for (key, value) in table {
            self.walk_one(key.get_ref(), value, prefix, out)?;
        }
        Ok(())
    }

    fn walk_one(
        &self,
        key: &str,
        value: &toml::Spanned<DeValue<'_>>,
        prefix: &str,
        out: &mut FileValues,
    ) -> Result<(), CliError> {
        let full = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
        let at = value.span().start;
        if let Some(k) = knob(&full) {
            let text = scalar_text(k.kind, value.get_ref()).map_err(|why| {
                self.error(at, &full, &format!("{why}: expected {}", k.kind.expected()))
            })?;
            out.insert(k.key, (text, line_of(self.text, at)));
            return Ok(());
        }
        let is_section = KNOBS.iter().any(|k| k.key.starts_with(&format!("{full}.")));
        match value.get_ref().as_table() {
            Some(table) if is_section => self.walk(table, &full, out),
            _ => {
                let hint =
                    suggest(&full).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                Err(self.error(
                    at,
                    &full,
                    &format!("is not a known key{hint} (`rlm config` lists every key)"),
                ))
            }
        }
    }
}

/// A file value as the text a flag would give; rate limits may be a table
/// `{ "MODEL" = { rpm = N, tpm = N } }`.
fn scalar_text(kind: Kind, value: &DeValue<'_>) -> Result<String, String> {
    match value {
        DeValue::String(s) => Ok(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            i64::from_str_radix(&digits, i.radix())
                .map(|n| n.to_string())
                .map_err(|_| format!("{digits} is out of range"))
        }
        DeValue::Float(f) => Ok(f.as_str().replace('_', "")),
        DeValue::Boolean(b) => Ok(b.to_string()),
        DeValue::Table(t) if kind == Kind::RateLimits => {
            let mut entries = Vec::new();
            for (model, rates) in t {
                let Some(rates) = rates.get_ref().as_table() else {
                    return Err(format!("the rates of {:?} are not a table", model.get_ref()));
                };
                let mut parts = Vec::new();
                for (name, n) in rates {
                    let n = scalar_text(Kind::Count, n.get_ref())?;
                    parts.push(format!("{}:{n}", name.get_ref()));
                }
                entries.push(format!("{}={}", model.get_ref(), parts.join(",")));
            }
            Ok(entries.join(";"))
        }
        other => Err(format!("is a TOML {}", other.type_str())),
    }
}

impl Settings {
    /// Collect every knob from `flags`, then `env`, then the selected profile,
    /// then the config file (found from `cwd` and `env`), then its default.
    pub fn gather(flags: &ConfigFlags, env: EnvVars, cwd: &Path) -> Result<Settings, CliError> {
        let (searched, explicit) = match (&flags.config, env.first(&["RLM_CONFIG"])) {
            (Some(p), _) => (vec![p.clone()], true),
            (None, Some(p)) => (vec![PathBuf::from(p)], true),
            (None, None) => (config_search_path(&env, cwd), false),
        };
        let mut file = ConfigFile::default();
        let mut config_file = None;
        for path in &searched {
            // A file named explicitly must exist; searched ones are optional.
            if explicit || path.is_file() {
                file = read_config_file(path)?;
                config_file = Some(path.clone());
                break;
            }
        }
        let profile = match (&flags.profile, env.first(&["RLM_PROFILE"])) {
            (Some(p), _) => Some((p.clone(), Source::Flag("profile"))),
            (None, Some(p)) => Some((p.to_string(), Source::Env("RLM_PROFILE"))),
            (None, None) => None,
        };
        let empty = FileValues::new();
        let profile_values = match &profile {
            None => &empty,
            Some((name, source)) => file.profiles.get(name).ok_or_else(|| {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                CliError::Config(format!(
                    "the profile {name:?} (from {source}) is not in {}: {}",
                    config_file
                        .as_ref()
                        .map_or("any config file".into(), |p| p.display().to_string()),
                    if known.is_empty() {
                        "it has no [profiles.NAME] tables".to_string()
                    } else {
                        format!("known profiles: {}", known.join(", "))
                    }
                ))
            })?,
        };
        let mut values = BTreeMap::new();
        for k in KNOBS {
            let file_source = |line: usize| match (&profile, &config_file) {
                (Some((name, _)), Some(path)) if profile_values.contains_key(k.key) => {
                    Source::Profile { name: name.clone(), path: path.clone(), line }
                }
                (_, Some(path)) => Source::File { path: path.clone(), line },
                (_, None) => Source::Default,
            };
            let picked = if let Some(v) = flags.get(k.key) {
                Some((v.to_string(), Source::Flag(k.flag)))
            } else if let Some(v) = env.first(&[k.env]) {
                Some((v.to_string(), Source::Env(k.env)))
            } else if let Some((v, line)) =
                profile_values.get(k.key).or_else(|| file.values.get(k.key))
            {
                Some((v.clone(), file_source(*line)))
            } else {
                k.default.map(|d| (d(), Source::Default))
            };
            if let Some((text, source)) = picked {
                let value = k.kind.parse(&text).map_err(|expected| CliError::Setting {
                    key: k.key.to_string(),
                    origin: source.to_string(),
                    value: text.clone(),
                    expected,
                })?;
                values.insert(k.key, Sourced { value, source });
            }
        }
        Ok(Settings { values, profile, config_file, searched, env })
    }

    /// [`Settings::gather`] from the process environment and working directory.
    pub fn from_process(flags: &ConfigFlags) -> Result<Settings, CliError> {
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::Config(format!("cannot read the working directory: {e}")))?;
        Settings::gather(flags, EnvVars::from_process(), &cwd)
    }

    /// The knob `key`'s value and source, if set (or defaulted).
    pub fn get(&self, key: &str) -> Option<&Sourced<Value>> {
        self.values.get(key)
    }

    /// The root model unless one is configured (`rlm serve` stands the
    /// offline script in).
    pub fn default_model(&mut self, model: &str) {
        self.values
            .entry("model")
            .or_insert(Sourced { value: Value::Text(model.to_string()), source: Source::Default });
    }

    fn text(&self, key: &str) -> Option<String> {
        match self.get(key).map(|s| &s.value) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        }
    }

    fn count(&self, key: &str) -> Option<u64> {
        match self.get(key).map(|s| &s.value) {
            Some(Value::Count(n)) => Some(*n),
            _ => None,
        }
    }

    fn number(&self, key: &str) -> Option<f64> {
        match self.get(key).map(|s| &s.value) {
            Some(Value::Number(x)) => Some(*x),
            _ => None,
        }
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        match self.get(key).map(|s| &s.value) {
            Some(Value::Path(p)) => Some(p.clone()),
            _ => None,
        }
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).map(|s| &s.value), Some(Value::Bool(true)))
    }

    /// A count that must fit a smaller type, with an error naming its source.
    fn narrow<T: TryFrom<u64>>(&self, key: &str) -> Result<Option<T>, CliError> {
        let Some(s) = self.get(key) else { return Ok(None) };
        let Value::Count(n) = s.value else { return Ok(None) };
        T::try_from(n).map(Some).map_err(|_| CliError::Setting {
            key: key.to_string(),
            origin: s.source.to_string(),
            value: n.to_string(),
            expected: "a smaller whole number".into(),
        })
    }

    /// The configuration a run uses; fails with exactly what to set when no
    /// model is configured.
    pub fn resolve(&self) -> Result<ResolvedConfig, CliError> {
        let Some(model) = self.text("model") else {
            return Err(CliError::NoModel(no_model_message(&self.searched)));
        };
        let fallback_program = match self.path("guards.fallback_program") {
            Some(p) => Some(std::fs::read_to_string(&p).map_err(|e| CliError::read(&p, &e))?),
            None => None,
        };
        let mut interpreter_limits = rlm_interp::Limits::default();
        if let Some(fuel) = self.count("limits.fuel") {
            interpreter_limits.fuel = fuel;
        }
        if let Some(bytes) = self.narrow::<usize>("limits.memory_bytes")? {
            interpreter_limits.memory_bytes = bytes;
        }
        let rate_limits = match self.get("rate_limits").map(|s| &s.value) {
            Some(Value::RateLimits(l)) => l.clone(),
            _ => Vec::new(),
        };
        Ok(ResolvedConfig {
            sub_model: self.text("sub_model").unwrap_or_else(|| model.clone()),
            model,
            budgets: Budgets {
                max_steps: self.count("budgets.max_steps"),
                max_subcalls: self.count("budgets.max_subcalls"),
                max_depth: self.narrow("budgets.max_depth")?,
                max_tokens: self.count("budgets.max_tokens"),
                max_cost_usd: self.number("budgets.max_cost_usd"),
                timeout_secs: self.number("budgets.timeout_secs"),
            },
            cache_path: self.path("cache"),
            concurrency: self.narrow("concurrency")?,
            rate_limits,
            trace_path: self.path("trace"),
            interpreter_limits,
            guards: Guards {
                require_program: self.flag("guards.require_program"),
                require_subcall: self.flag("guards.require_subcall"),
                max_invalid_replies: self.narrow("guards.max_invalid_replies")?.unwrap_or(3),
                fallback_program,
            },
            smart_router_chars: self.count("router.smart_threshold_chars"),
            prompt_profile: self.text("prompt_profile"),
            helps: self.text("helps"),
            retrieval: RetrievalFile {
                mode: self.text("retrieval.mode"),
                // Unset (the knob's default): the profile's helps choose.
                first_step: match self.get("retrieval.first_step") {
                    Some(s) if matches!(s.source, Source::Default) => None,
                    _ => self.narrow("retrieval.first_step")?,
                },
                vectors: self.text("retrieval.vectors"),
                index_dir: self.path("retrieval.index_dir"),
                chunk_chars: self.count("retrieval.chunk_chars"),
                es_url: self.text("retrieval.es_url"),
                es_index: self.text("retrieval.es_index"),
            },
            log_format: match self.text("log_format").as_deref() {
                Some("json") => LogFormat::Json,
                _ => LogFormat::Text,
            },
            config_file: self.config_file.clone(),
            env: self.env.clone(),
        })
    }

    /// Every knob as `(key, value, source)`, in the table's order; unset ones
    /// show `None`.
    pub fn listing(&self) -> Vec<(&'static Knob, Option<&Value>, Source)> {
        KNOBS
            .iter()
            .map(|k| match self.get(k.key) {
                Some(s) => (k, Some(&s.value), s.source.clone()),
                None => (k, None, Source::Default),
            })
            .collect()
    }
}

/// `provider:model` with a known provider, or [`SCRIPTED_MODEL`].
pub(crate) fn check_model_string(model: &str) -> Result<(), String> {
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
            "{model:?} is not `provider:model` (e.g. openai:gpt-5-mini) or `{SCRIPTED_MODEL}`"
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

/// `rlm config`'s arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Print one JSON document: every setting with its value and source.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub flags: ConfigFlags,
}

/// `rlm config`: every setting with its value and source, then the model
/// check (which fails, after the listing, when no model is configured or it
/// cannot be set up).
pub fn show(args: ConfigArgs) -> Result<Exit, CliError> {
    let settings = Settings::from_process(&args.flags)?;
    let text = if args.json {
        let settings_json: Vec<serde_json::Value> = settings
            .listing()
            .into_iter()
            .map(|(k, value, source)| {
                serde_json::json!({
                    "key": k.key,
                    "value": value.map(Value::to_json),
                    "source": source.kind(),
                    "from": source.to_string(),
                    "flag": format!("--{}", k.flag),
                    "env": k.env,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "config_file": settings.config_file.as_ref().map(|p| p.display().to_string()),
            "searched": settings.searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "profile": settings.profile.as_ref().map(|(name, _)| name),
            "settings": settings_json,
        });
        format!("{doc:#}\n")
    } else {
        let mut text = String::new();
        match &settings.config_file {
            Some(p) => text.push_str(&format!("config file: {}\n", p.display())),
            None => {
                let searched: Vec<String> =
                    settings.searched.iter().map(|p| p.display().to_string()).collect();
                text.push_str(&format!("config file: none (looked for {})\n", searched.join(", ")));
            }
        }
        if let Some((name, source)) = &settings.profile {
            text.push_str(&format!("profile: {name} ({source})\n"));
        }
        let width = KNOBS.iter().map(|k| k.key.len()).max().unwrap_or(0);
        for (k, value, source) in settings.listing() {
            let value = value.map_or_else(|| "(unset)".to_string(), Value::to_string);
            text.push_str(&format!("{:width$} = {value}  ({source})\n", k.key));
        }
        text
    };
    print_stdout(&text)?;
    let resolved = settings.resolve()?;
    resolved.root_adapter()?;
    resolved.sub_adapter()?;
    resolved.scheduler_config()?;
    if !args.json {
        print_stdout(&format!(
            "model check: {} and {} can be set up\n",
            resolved.model, resolved.sub_model
        ))?;
    }
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
mod tests;
