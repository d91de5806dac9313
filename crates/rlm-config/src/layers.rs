//! The layers a setting comes from, read through the knob table: flags
//! ([`ConfigFlags`]), the environment, a `[profiles.NAME]` table of the config
//! file, the config file, the knob's default; the first that sets a knob wins.
//!
//! * Flags: `--config`, `--profile` and one flag per knob, generated from the
//!   table (flatten [`ConfigFlags`] into a clap command).
//! * Environment: one `RLM_*` variable per knob (`RLM_MODEL`, `RLM_MAX_STEPS`,
//!   ...; empty values count as unset), `RLM_CONFIG`, `RLM_PROFILE`. Provider
//!   keys and URLs are the adapters' own variables (`OPENAI_API_KEY`, ...).
//! * Config file (TOML): `--config PATH`, else `RLM_CONFIG`, else `./rlm.toml`,
//!   else `$XDG_CONFIG_HOME/rlm/rlm.toml` or `~/.config/rlm/rlm.toml`. Keys are
//!   the knobs' (dotted keys are tables: `budgets.max_steps` is `max_steps` in
//!   `[budgets]`); `[profiles.NAME]` tables hold the same keys and win over the
//!   file's own when `--profile NAME` / `RLM_PROFILE` selects them. Unknown keys
//!   are errors with a suggestion (a typo must not silently drop a budget).
//!
//! [`Settings::gather`] collects every knob's value with its [`Source`] (a bad
//! value names the key, the source and what was expected);
//! [`Settings::resolve`] (in [`crate::config`]) turns them into the
//! [`crate::RlmConfig`] every front end builds its engine from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rlm_adapters::{EnvVars, known_providers};
use toml::de::{DeTable, DeValue};

use crate::error::ConfigError;
use crate::knobs::{KNOBS, Kind, Knob, KnobValue, knob, suggest};
use rlm_adapters::SCRIPTED_MODEL;

/// Earlier names of a knob's flag, still accepted: `--memory` was the flag of
/// `limits.memory_bytes` before the flag took the knob's one name.
const FLAG_ALIASES: &[(&str, &str)] = &[("limits.memory_bytes", "memory")];

/// Settings given as flags: `--config`, `--profile`, and one flag per knob
/// of [`crate::knobs::KNOBS`] (flatten into a subcommand with `#[command(flatten)]`).
/// Values are kept as text and parsed by the knob's kind, as every source is.
#[derive(Debug, Clone, Default)]
pub struct ConfigFlags {
    /// Config file to read instead of the searched ones.
    pub config: Option<PathBuf>,
    /// The `[profiles.NAME]` table of the config file to apply.
    pub profile: Option<String>,
    pub(crate) values: BTreeMap<&'static str, String>,
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
                .visible_aliases(
                    FLAG_ALIASES.iter().filter(|(key, _)| *key == k.key).map(|(_, a)| *a),
                )
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
        Kind::McpServers => "JSON",
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
    /// A keyword argument of an API (the Python bindings' `config=`), named
    /// by the knob's key.
    Keyword(&'static str),
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
            Source::Keyword(_) => "keyword",
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
            Source::Keyword(key) => write!(f, "keyword argument {key:?}"),
        }
    }
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
    values: BTreeMap<&'static str, Sourced<KnobValue>>,
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

fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::read(path, &e))?;
    let table = DeTable::parse(&text).map_err(|e| {
        let at = e.span().map(|s| format!(":{}", line_of(&text, s.start))).unwrap_or_default();
        ConfigError::Config(format!(
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
    fn error(&self, at: usize, key: &str, why: &str) -> ConfigError {
        ConfigError::Config(format!(
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
    ) -> Result<(), ConfigError> {
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
    ) -> Result<(), ConfigError> {
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
        DeValue::Table(_) if kind == Kind::McpServers => Ok(toml_to_json(value)?.to_string()),
        other => Err(format!("is a TOML {}", other.type_str())),
    }
}

/// A TOML value as JSON (the text form of a table-valued knob); a date has no
/// JSON form and is refused.
fn toml_to_json(value: &DeValue<'_>) -> Result<serde_json::Value, String> {
    Ok(match value {
        DeValue::String(s) => s.to_string().into(),
        DeValue::Integer(_) => {
            let n: i64 = scalar_text(Kind::Count, value)?.parse().map_err(|_| "is not a number")?;
            n.into()
        }
        DeValue::Float(_) => {
            let x: f64 =
                scalar_text(Kind::Seconds, value)?.parse().map_err(|_| "is not a number")?;
            serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
        }
        DeValue::Boolean(b) => (*b).into(),
        DeValue::Array(items) => {
            items.iter().map(|v| toml_to_json(v.get_ref())).collect::<Result<Vec<_>, _>>()?.into()
        }
        DeValue::Table(t) => {
            let mut map = serde_json::Map::new();
            for (k, v) in t {
                map.insert(k.get_ref().to_string(), toml_to_json(v.get_ref())?);
            }
            map.into()
        }
        other => return Err(format!("holds a TOML {}, which has no JSON form", other.type_str())),
    })
}

impl Settings {
    /// Collect every knob from `flags`, then `env`, then the selected profile,
    /// then the config file (found from `cwd` and `env`), then its default.
    pub fn gather(flags: &ConfigFlags, env: EnvVars, cwd: &Path) -> Result<Settings, ConfigError> {
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
                ConfigError::Config(format!(
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
                let value = k.kind.parse(&text).map_err(|expected| ConfigError::Setting {
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

    /// Settings from `(key, value)` pairs given to an API (no flags,
    /// environment or file: an embedding program passes what it means), the
    /// other knobs at their defaults. An unknown key is an error with a
    /// suggestion, a bad value names the key and what was expected.
    pub fn from_keywords<'a>(
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut given = BTreeMap::new();
        for (key, text) in pairs {
            let Some(k) = knob(key) else {
                let hint =
                    suggest(key).map(|s| format!("; did you mean {s:?}?")).unwrap_or_default();
                return Err(ConfigError::Config(format!("{key:?} is not a setting{hint}")));
            };
            given.insert(k.key, text);
        }
        let mut values = BTreeMap::new();
        for k in KNOBS {
            let picked = match given.remove(k.key) {
                Some(text) => Some((text, Source::Keyword(k.key))),
                None => k.default.map(|d| (d(), Source::Default)),
            };
            if let Some((text, source)) = picked {
                let value = k.kind.parse(&text).map_err(|expected| ConfigError::Setting {
                    key: k.key.to_string(),
                    origin: source.to_string(),
                    value: text.clone(),
                    expected,
                })?;
                values.insert(k.key, Sourced { value, source });
            }
        }
        Ok(Settings { values, ..Settings::default() })
    }

    /// [`Settings::gather`] from the process environment and working directory.
    pub fn from_process(flags: &ConfigFlags) -> Result<Settings, ConfigError> {
        let cwd = std::env::current_dir()
            .map_err(|e| ConfigError::Config(format!("cannot read the working directory: {e}")))?;
        Settings::gather(flags, EnvVars::from_process(), &cwd)
    }

    /// The knob `key`'s value and source, if set (or defaulted).
    pub fn get(&self, key: &str) -> Option<&Sourced<KnobValue>> {
        self.values.get(key)
    }

    /// The root model unless one is configured (`rlm serve` stands the
    /// offline script in).
    pub fn default_model(&mut self, model: &str) {
        self.values.entry("model").or_insert(Sourced {
            value: KnobValue::Text(model.to_string()),
            source: Source::Default,
        });
    }

    pub(crate) fn text(&self, key: &str) -> Option<String> {
        match self.get(key).map(|s| &s.value) {
            Some(KnobValue::Text(t)) => Some(t.clone()),
            _ => None,
        }
    }

    pub(crate) fn count(&self, key: &str) -> Option<u64> {
        match self.get(key).map(|s| &s.value) {
            Some(KnobValue::Count(n)) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn number(&self, key: &str) -> Option<f64> {
        match self.get(key).map(|s| &s.value) {
            Some(KnobValue::Number(x)) => Some(*x),
            _ => None,
        }
    }

    pub(crate) fn path(&self, key: &str) -> Option<PathBuf> {
        match self.get(key).map(|s| &s.value) {
            Some(KnobValue::Path(p)) => Some(p.clone()),
            _ => None,
        }
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).map(|s| &s.value), Some(KnobValue::Bool(true)))
    }

    /// A count that must fit a smaller type, with an error naming its source.
    pub(crate) fn narrow<T: TryFrom<u64>>(&self, key: &str) -> Result<Option<T>, ConfigError> {
        let Some(s) = self.get(key) else { return Ok(None) };
        let KnobValue::Count(n) = s.value else { return Ok(None) };
        T::try_from(n).map(Some).map_err(|_| ConfigError::Setting {
            key: key.to_string(),
            origin: s.source.to_string(),
            value: n.to_string(),
            expected: "a smaller whole number".into(),
        })
    }

    /// Every knob as `(key, value, source)`, in the table's order; unset ones
    /// show `None`.
    pub fn listing(&self) -> Vec<(&'static Knob, Option<&KnobValue>, Source)> {
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
            let provider = p.trim().to_ascii_lowercase();
            if rlm_adapters::is_known_provider(&provider) {
                return Ok(());
            }
            let hint = closest(&provider, &providers)
                .map(|near| format!("; did you mean \"{near}:{m}\"?"))
                .unwrap_or_default();
            Err(format!(
                "a known provider before the colon ({}), not {p:?}{hint}",
                providers.join(", ")
            ))
        }
        _ => {
            let hint = provider_of_bare_model(model.trim())
                .map(|p| format!("; did you mean \"{p}:{}\"?", model.trim()))
                .unwrap_or_default();
            Err(format!(
                "`provider:model` (e.g. openai:gpt-5-mini), or `{SCRIPTED_MODEL}` for the offline \
                 scripted model{hint}"
            ))
        }
    }
}

/// The name among `names` nearest to `name`, if one is near enough to be a
/// slip (Jaro-Winkler, as clap's suggestions).
fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// The provider a bare model name is known by (`gpt-4o` is OpenAI's).
fn provider_of_bare_model(model: &str) -> Option<&'static str> {
    let m = model.to_ascii_lowercase();
    let openai = m.starts_with("gpt-")
        || m.starts_with("chatgpt")
        || (m.starts_with('o') && m[1..].starts_with(|c: char| c.is_ascii_digit()));
    if openai {
        Some("openai")
    } else if m.starts_with("claude") {
        Some("anthropic")
    } else if m.starts_with("gemini") {
        Some("gemini")
    } else {
        None
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
         replies, use `--model {SCRIPTED_MODEL}` (with `--script path/to/script.toml` for your own \
         replies; the bundled demo without it).",
        if files.is_empty() { "none".to_string() } else { files.join(", ") },
        keys.join(", ")
    )
}
