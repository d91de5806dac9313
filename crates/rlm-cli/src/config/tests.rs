//! Unit tests of the CLI's side of the configuration (the layers themselves
//! are tested in rlm-config): adapters, exit codes, and the loop's defaults
//! matching the knob table's.

use super::*;
use rlm_core::EngineParts;
use rlm_core::adapters::EnvVars;

fn gather(flags: &ConfigFlags, pairs: &[(&str, &str)]) -> Result<Settings, CliError> {
    let empty = tempfile::tempdir().unwrap();
    let mut pairs: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    pairs.push(("HOME".into(), "/nonexistent".into()));
    Ok(Settings::gather(flags, EnvVars::from_pairs(pairs), empty.path())?)
}

#[test]
fn the_knob_defaults_are_the_libraries() {
    let mut flags = ConfigFlags::default();
    flags.set("model", "scripted");
    let r = gather(&flags, &[]).unwrap().resolve().unwrap();
    let defaults = rlm_core::LoopOptions::default();
    let opts = rlm_core::LoopOptions::from_config(&r, None, rlm_core::Helps::none());
    assert_eq!(r.budgets.max_depth, Some(rlm_config::DEFAULT_MAX_DEPTH), "the loop's default");
    assert_eq!(opts.max_batch, defaults.max_batch);
    assert_eq!(opts.max_invalid_replies, defaults.max_invalid_replies);
    assert_eq!(opts.require_program_before_final, defaults.require_program_before_final);
    assert_eq!(opts.require_subcall_before_final, defaults.require_subcall_before_final);
    assert_eq!(r.scheduler_config().unwrap(), rlm_core::SchedulerConfig::default());
    let json = |l: &rlm_interp::Limits| serde_json::to_value(l).unwrap();
    assert_eq!(json(&r.limits), json(&rlm_interp::Limits::default()));
    // Every help name the knob accepts is one the loop knows.
    for name in rlm_config::HELP_NAMES {
        assert!(rlm_core::parse_helps(name).is_ok(), "{name}");
    }
}

#[test]
fn bad_settings_and_no_model_are_usage_errors() {
    let err = gather(&ConfigFlags::default(), &[("RLM_MAX_STEPS", "ten")]).unwrap_err();
    assert_eq!(err.exit(), crate::exit::Exit::Usage);
    assert!(
        err.paragraph().starts_with("error: budgets.max_steps = \"ten\""),
        "{}",
        err.paragraph()
    );
    let no_model: CliError =
        gather(&ConfigFlags::default(), &[]).unwrap().resolve().unwrap_err().into();
    assert_eq!(no_model.exit(), crate::exit::Exit::Usage);
}

#[test]
fn adapters_come_from_the_model_string_and_missing_keys_are_provider_errors() {
    let mut flags = ConfigFlags::default();
    flags.set("model", "openai:gpt-5-mini");
    flags.set("sub_model", "fake:echo");
    let s = gather(&flags, &[]).unwrap();
    let r = s.resolve().unwrap();
    let parts = |env: &EnvVars| EngineParts::new(r.clone(), env.clone()).unwrap();
    let err: CliError = parts(&s.env).adapter(&r.model).err().unwrap().into();
    assert_eq!(err.exit(), crate::exit::Exit::Provider);
    assert!(err.paragraph().contains("OPENAI_API_KEY"), "{}", err.paragraph());
    assert!(parts(&s.env).adapter(r.sub_model()).is_ok());
    let with_key = EnvVars::from_pairs([("OPENAI_API_KEY", "sk-test")]);
    assert!(parts(&with_key).models(EngineModels::Configured).is_ok());
}

#[test]
fn front_end_prints_one_column_of_the_knob_table() {
    let text = front_end_column("serve", false).unwrap();
    assert!(text.starts_with("front end: serve-api\n"), "{text}");
    let line = |key: &str| text.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap();
    assert!(line("limits.fuel").ends_with("  honoured"), "{text}");
    assert!(line("trace").contains("not applicable: rlm serve stores every execution's trace"));
    assert_eq!(text.lines().count(), KNOBS.len() + 1);
    let json: serde_json::Value =
        serde_json::from_str(&front_end_column("repl", true).unwrap()).unwrap();
    assert_eq!(json["front_end"], "exec");
    let rows = json["knobs"].as_array().unwrap();
    assert_eq!(rows.len(), KNOBS.len());
    assert!(rows.iter().all(|r| r["honoured"] == true || r["why"].is_string()));
    let e = front_end_column("gui", false).unwrap_err();
    assert!(e.paragraph().contains("serve-worker"), "{}", e.paragraph());
}
