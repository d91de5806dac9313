//! Unit tests of the layers and of `RlmConfig`: files, environment, flags and their precedence.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rlm_adapters::EnvVars;

use crate::*;

fn env(pairs: &[(&str, &str)]) -> EnvVars {
    EnvVars::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn dir_with_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rlm.toml"), text).unwrap();
    dir
}

fn gather(
    flags: &ConfigFlags,
    pairs: &[(&str, &str)],
    dir: &Path,
) -> Result<Settings, ConfigError> {
    let mut pairs = pairs.to_vec();
    pairs.push(("HOME", "/nonexistent"));
    Settings::gather(flags, env(&pairs), dir)
}

const FILE: &str = r#"model = "anthropic:claude-sonnet-4-5"
sub_model = "openai:gpt-5-mini"
concurrency = 4
trace = "file-trace.jsonl"
prompt_profile = "compact"

[budgets]
max_steps = 7
max_cost_usd = 1.5
timeout_secs = 30

[rate_limits]
"openai:gpt-5-mini" = { rpm = 500, tpm = 200_000 }

[guards]
require_subcall = true

[retrieval]
mode = "bm25"

[profiles.cheap]
model = "openai:gpt-5-nano"
budgets.max_steps = 3

[profiles.local.retrieval]
mode = "hybrid"
"#;

#[test]
fn flag_beats_environment_beats_profile_beats_file_beats_default() {
    let dir = dir_with_config(FILE);
    let file = dir.path().join("rlm.toml");
    let mut flags = ConfigFlags { profile: Some("cheap".into()), ..Default::default() };
    flags.set("budgets.max_cost_usd", "0.25");
    let s = gather(&flags, &[("RLM_MODEL", "ollama:llama3"), ("RLM_SUB_MODEL", "")], dir.path())
        .unwrap();
    let source = |k: &str| s.get(k).unwrap().source.clone();
    assert_eq!(source("budgets.max_cost_usd"), Source::Flag("max-cost-usd"));
    assert_eq!(source("model"), Source::Env("RLM_MODEL"));
    assert_eq!(
        source("budgets.max_steps"),
        Source::Profile { name: "cheap".into(), path: file.clone(), line: 23 }
    );
    // An empty variable is unset: the file's value counts.
    assert_eq!(source("sub_model"), Source::File { path: file.clone(), line: 2 });
    assert_eq!(source("limits.fuel"), Source::Default);
    let r = s.resolve().unwrap();
    assert_eq!(r.model, "ollama:llama3");
    assert_eq!(r.sub_model(), "openai:gpt-5-mini");
    assert_eq!(r.budgets.max_steps, Some(3));
    assert_eq!(r.budgets.max_cost_usd, Some(0.25));
    assert_eq!(r.budgets.timeout_secs, Some(30.0));
    assert_eq!(r.budgets.max_subcalls, None);
    assert_eq!(r.concurrency, Some(4));
    assert_eq!(r.trace, Some(PathBuf::from("file-trace.jsonl")));
    assert_eq!(r.prompt_profile.as_deref(), Some("compact"));
    assert_eq!(r.retrieval.mode.as_deref(), Some("bm25"));
    assert!(r.guards.require_subcall && r.guards.require_program);
    let default_limits = rlm_interp::Limits::default();
    assert_eq!(r.limits.fuel, default_limits.fuel);
    assert_eq!(r.limits.memory_bytes, default_limits.memory_bytes);
    assert_eq!(s.config_file, Some(file));
    let limits = r.budgets.to_limits();
    assert_eq!(limits.max_wall_time, Some(Duration::from_secs(30)));
    // The rates reach the scheduler, keyed by model.
    let sched = r.scheduler_config().unwrap();
    assert_eq!(sched.max_concurrency, 4);
    let id: rlm_types::ModelId = "openai:gpt-5-mini".parse().unwrap();
    let m = &sched.model_limits[&id];
    assert_eq!(m.requests_per_minute.map(|n| n.get()), Some(500));
    assert_eq!(m.tokens_per_minute.map(|n| n.get()), Some(200_000));
}

#[test]
fn profiles_are_chosen_by_flag_or_environment_and_unknown_ones_are_refused() {
    let dir = dir_with_config(FILE);
    let s = gather(&ConfigFlags::default(), &[("RLM_PROFILE", "local")], dir.path()).unwrap();
    assert_eq!(s.profile.as_ref().unwrap().0, "local");
    let r = s.resolve().unwrap();
    assert_eq!(r.retrieval.mode.as_deref(), Some("hybrid"));
    // Keys the profile leaves out come from the file.
    assert_eq!(r.model, "anthropic:claude-sonnet-4-5");
    let flags = ConfigFlags { profile: Some("fast".into()), ..Default::default() };
    let err = gather(&flags, &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains("profile \"fast\" (from flag --profile)"), "{err}");
    assert!(err.contains("known profiles: cheap, local"), "{err}");
}

#[test]
fn defaults_are_the_libraries_and_every_knob_is_listed() {
    let empty = tempfile::tempdir().unwrap();
    let mut flags = ConfigFlags::default();
    flags.set("model", "scripted");
    let s = gather(&flags, &[], empty.path()).unwrap();
    assert_eq!(s.listing().len(), KNOBS.len());
    let r = s.resolve().unwrap();
    assert_eq!(r.budgets.max_steps, Some(DEFAULT_MAX_STEPS));
    assert_eq!(r.sub_model(), "scripted");
    assert_eq!(r.budgets.max_depth, Some(DEFAULT_MAX_DEPTH));
    assert_eq!(r.budgets.max_batch, Some(DEFAULT_MAX_BATCH));
    assert_eq!(r.guards.max_invalid_replies, DEFAULT_MAX_INVALID_REPLIES);
    assert_eq!(r.guards.require_program, DEFAULT_REQUIRE_PROGRAM);
    let json = |l: &rlm_interp::Limits| serde_json::to_value(l).unwrap();
    assert_eq!(json(&r.limits), json(&rlm_interp::Limits::default()));
    assert_eq!(r.isolation, Isolation::default());
    assert_eq!(r.scheduler_config().unwrap(), rlm_sched::SchedulerConfig::default());
    assert_eq!(r.log_format, LogFormat::Text);
}

#[test]
fn guards_limits_and_router_reach_the_run() {
    let dir = dir_with_config(
        "model = \"scripted\"\n[guards]\nfallback_program = \"fb.py\"\nmax_invalid_replies = 2\n\
         [limits]\nfuel = 1000\nmemory_bytes = 4096\n[router]\nsmart_threshold_chars = 5000\n",
    );
    std::fs::write(dir.path().join("fb.py"), "FINAL('fallback')\n").unwrap();
    // Relative paths are from the working directory.
    let mut flags = ConfigFlags::default();
    flags.set("guards.fallback_program", dir.path().join("fb.py").display().to_string());
    flags.set("guards.require_program", "false");
    let r = gather(&flags, &[("RLM_LOG_FORMAT", "json")], dir.path()).unwrap().resolve().unwrap();
    assert_eq!(r.fallback_program_source().unwrap().as_deref(), Some("FINAL('fallback')\n"));
    assert_eq!(r.guards.max_invalid_replies, 2);
    assert!(!r.guards.require_program);
    assert_eq!((r.limits.fuel, r.limits.memory_bytes), (1000, 4096));
    assert_eq!(r.router.smart_threshold_chars, Some(5000));
    assert_eq!(r.log_format, LogFormat::Json);
    // A fallback program that cannot be read is an error naming the file.
    let mut flags = ConfigFlags::default();
    flags.set("guards.fallback_program", "/nonexistent/fb.py");
    let err = gather(&flags, &[], dir.path()).unwrap().resolve().unwrap().fallback_program_source();
    let err = err.unwrap_err().to_string();
    assert!(err.contains("/nonexistent/fb.py"), "{err}");
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
    let xdg = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(xdg.path().join("rlm")).unwrap();
    std::fs::write(xdg.path().join("rlm/rlm.toml"), "model = \"openai:from-xdg\"\n").unwrap();
    let empty = tempfile::tempdir().unwrap();
    let e = env(&[("XDG_CONFIG_HOME", xdg.path().to_str().unwrap())]);
    let s = Settings::gather(&ConfigFlags::default(), e, empty.path()).unwrap();
    assert_eq!(s.resolve().unwrap().model, "openai:from-xdg");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".config/rlm")).unwrap();
    std::fs::write(home.path().join(".config/rlm/rlm.toml"), "model = \"openai:home\"\n").unwrap();
    let e = env(&[("HOME", home.path().to_str().unwrap())]);
    let s = Settings::gather(&ConfigFlags::default(), e, empty.path()).unwrap();
    assert_eq!(s.resolve().unwrap().model, "openai:home");
    let flags = ConfigFlags { config: Some(other.path().join("nope.toml")), ..Default::default() };
    let err = Settings::gather(&flags, env(&[]), empty.path()).unwrap_err();
    assert!(err.to_string().contains("nope.toml: no such file"), "{}", err.to_string());
}

#[test]
fn no_model_says_exactly_what_to_set() {
    let empty = tempfile::tempdir().unwrap();
    let s = Settings::gather(&ConfigFlags::default(), env(&[("HOME", "/home/u")]), empty.path())
        .unwrap();
    let err = s.resolve().unwrap_err();
    let text = err.to_string();
    for needle in [
        "no model is configured",
        "--model openai:gpt-5-mini",
        "RLM_MODEL=openai:gpt-5-mini",
        "OPENAI_API_KEY for openai:",
        "ANTHROPIC_API_KEY for anthropic:",
        "--model scripted",
        "--script path/to/script.toml",
        "/home/u/.config/rlm/rlm.toml",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert!(!text.contains('\n'));
}

#[test]
fn bad_values_name_the_key_the_source_and_what_was_expected() {
    let empty = tempfile::tempdir().unwrap();
    let err =
        gather(&ConfigFlags::default(), &[("RLM_MAX_STEPS", "ten")], empty.path()).unwrap_err();
    assert!(matches!(err, ConfigError::Setting { .. }));
    assert_eq!(
        err.to_string(),
        "budgets.max_steps = \"ten\" (from environment variable RLM_MAX_STEPS) is not \
             valid: expected a whole number of at least 1"
    );
    let mut flags = ConfigFlags::default();
    flags.set("model", "gpt-5");
    let err = gather(&flags, &[], empty.path()).unwrap_err().to_string();
    assert!(err.contains("model = \"gpt-5\" (from flag --model)"), "{err}");
    assert!(err.contains("`provider:model`"), "{err}");
    assert!(err.contains("did you mean \"openai:gpt-5\"?"), "{err}");
    let mut flags = ConfigFlags::default();
    flags.set("rate_limits", "openai:x=rpm:0");
    let err = gather(&flags, &[], empty.path()).unwrap_err().to_string();
    assert!(err.contains("rate_limits") && err.contains("flag --rate-limits"), "{err}");
    let dir = dir_with_config("model = \"scripted\"\n\n[budgets]\nmax_cost_usd = -1\n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err();
    let file = dir.path().join("rlm.toml").display().to_string();
    assert!(
        err.to_string().contains(&format!("budgets.max_cost_usd = \"-1\" (from file {file}:4)")),
        "{}",
        err.to_string()
    );
    let dir = dir_with_config("[guards]\nrequire_subcall = [1]\n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains(":2: `guards.require_subcall` is a TOML array"), "{err}");
}

#[test]
fn unknown_keys_are_refused_with_a_suggestion() {
    let dir = dir_with_config("model = \"scripted\"\nmodle = \"openai:x\"\n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains("rlm.toml:2: `modle` is not a known key; did you mean `model`?"), "{err}");
    let dir = dir_with_config("[budgets]\nmax_step = 3\n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains("did you mean `budgets.max_steps`?"), "{err}");
    let dir = dir_with_config("[profiles.x]\nconcurency = 3\n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains("did you mean `concurrency`?"), "{err}");
    let dir = dir_with_config("model = \n");
    let err = gather(&ConfigFlags::default(), &[], dir.path()).unwrap_err().to_string();
    assert!(err.contains("rlm.toml:1 is not valid TOML"), "{err}");
}

#[test]
fn the_config_s_fields_are_exactly_the_knob_table_s_keys() {
    let fields = RlmConfig::field_keys();
    let keys: Vec<String> = KNOBS.iter().map(|k| k.key.to_string()).collect();
    let mut sorted_fields = fields.clone();
    sorted_fields.sort();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(sorted_fields, sorted_keys, "every field of RlmConfig is one knob and back");
}

#[test]
fn the_sandbox_limits_carry_the_interpreter_s_names() {
    let empty = tempfile::tempdir().unwrap();
    let mut flags = ConfigFlags::default();
    flags.set("model", "scripted");
    flags.set("limits.max_str_len", "100");
    let e = [("RLM_MAX_NESTING", "7"), ("RLM_ISOLATE", "process"), ("RLM_SANDBOX_WORKERS", "2")];
    let s = gather(&flags, &e, empty.path()).unwrap();
    let r = s.resolve().unwrap();
    assert_eq!((r.limits.max_str_len, r.limits.max_nesting), (100, 7));
    assert_eq!(r.isolation, Isolation { isolate: IsolateMode::Process, sandbox_workers: Some(2) });
    let warnings = s.unsupported_warnings("rlm test", &["model", "limits.max_str_len"]);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("`limits.max_nesting` (from environment variable RLM_MAX_NESTING)"),
        "{warnings:?}"
    );
}

#[test]
fn keywords_are_knob_keys_with_defaults_for_the_rest() {
    let s = Settings::from_keywords([
        ("model", "scripted".to_string()),
        ("limits.fuel", "5000".to_string()),
        ("guards.require_subcall", "true".to_string()),
    ])
    .unwrap();
    let r = s.resolve().unwrap();
    assert_eq!(r.limits.fuel, 5000);
    assert!(r.guards.require_subcall);
    assert_eq!(r.budgets.max_steps, Some(DEFAULT_MAX_STEPS));
    assert_eq!(s.get("limits.fuel").unwrap().source, Source::Keyword("limits.fuel"));
    let err = Settings::from_keywords([("limits.fule", "1".to_string())]).unwrap_err();
    assert!(err.to_string().contains("did you mean \"limits.fuel\"?"), "{err}");
    let err = Settings::from_keywords([("limits.fuel", "lots".to_string())]).unwrap_err();
    assert!(err.to_string().contains("keyword argument \"limits.fuel\""), "{err}");
}

#[test]
fn the_defaults_with_the_scripted_model_resolve() {
    let config = RlmConfig::defaults(crate::SCRIPTED_MODEL).unwrap();
    assert_eq!(config.model, crate::SCRIPTED_MODEL);
    assert_eq!(config.budgets.max_steps, Some(crate::DEFAULT_MAX_STEPS));
    assert_eq!(config.guards.max_invalid_replies, crate::DEFAULT_MAX_INVALID_REPLIES);
    assert!(RlmConfig::defaults("nonsense").is_err());
}

#[test]
fn the_knob_table_has_one_row_per_knob_and_no_empty_cell() {
    assert_eq!(crate::knob_table::parse_error(), None, "knob_table.toml parses");
    let rows = crate::knob_table::rows();
    let keys: Vec<&str> = rows.keys().map(String::as_str).collect();
    let mut knobs: Vec<&str> = KNOBS.iter().map(|k| k.key).collect();
    knobs.sort_unstable();
    assert_eq!(keys, knobs, "the table's rows against the knobs");
    let names: Vec<&str> = FrontEnd::ALL.iter().map(|f| f.as_str()).collect();
    for (key, row) in rows {
        for f in row.honoured.iter().chain(row.not_applicable.keys()) {
            assert!(names.contains(&f.as_str()), "{key}: unknown front end {f}");
        }
        for f in FrontEnd::ALL {
            // Neither honoured nor not applicable, or both: an empty cell.
            assert!(f.cell(key).is_some(), "{key} × {}: the cell is empty or doubled", f.as_str());
            if let Some(Cell::NotApplicable(why)) = f.cell(key) {
                assert!(!why.trim().is_empty(), "{key} × {}: no reason", f.as_str());
            }
        }
    }
    assert_eq!(FrontEnd::parse("repl"), Some(FrontEnd::Exec));
    assert_eq!(FrontEnd::parse("serve"), Some(FrontEnd::ServeApi));
    assert_eq!(FrontEnd::parse("serve-worker"), Some(FrontEnd::ServeWorker));
    assert_eq!(FrontEnd::parse("nonsense"), None);
    assert!(FrontEnd::Run.honours("trace") && !FrontEnd::Mcp.honours("trace"));
}
