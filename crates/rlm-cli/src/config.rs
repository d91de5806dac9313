//! The CLI's side of the configuration. Every setting is a knob of
//! [`rlm_config`] (the one [`RlmConfig`], layered flag, environment, profile,
//! `rlm.toml`, default: the first wins); this module re-exports it, builds the model
//! adapters a resolved configuration names, says which knobs each command
//! supports (a command warns at start-up about the ones it ignores), and
//! implements `rlm config` ([`show`]), which prints every knob with its value
//! and source, as text or `--json`.

pub use rlm_config::DEFAULT_MAX_STEPS;
pub use rlm_config::{
    Budgets, ConfigFlags, Guards, LogFormat, RlmConfig, SCRIPTED_MODEL, Settings, Source, Sourced,
    config_search_path, no_model_message,
};
use rlm_core::EngineModels;

use crate::exit::{CliError, Exit};
use crate::knobs::{KNOBS, KnobValue};
use rlm_config::{Cell, FrontEnd};

/// Prints each warning [`Settings::unsupported_warnings`] gives for
/// `front_end` on stderr (start-up, before any work).
pub fn warn_unsupported(settings: &Settings, front_end: &str, supported: &[&str]) {
    for warning in settings.unsupported_warnings(front_end, supported) {
        eprintln!("{warning}");
    }
}

/// `rlm config`'s arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Print one JSON document: every setting with its value and source.
    #[arg(long)]
    pub json: bool,
    /// Print one front end's column of the knob table instead: each knob,
    /// honoured or not applicable and why (run, exec, repl, serve,
    /// serve-api, serve-worker, mcp, python, stress).
    #[arg(long = "front-end", value_name = "NAME")]
    pub front_end: Option<String>,
    /// Print the knob reference as Markdown instead: every knob with its
    /// flag, variable, default, the front ends that honour it and its help.
    #[arg(long, conflicts_with_all = ["json", "front_end"])]
    pub reference: bool,
    #[command(flatten)]
    pub flags: ConfigFlags,
}

/// `rlm config`: every setting with its value and source, then the model
/// check (which fails, after the listing, when no model is configured or it
/// cannot be set up).
pub fn show(args: ConfigArgs) -> Result<Exit, CliError> {
    if args.reference {
        print_stdout(&rlm_config::reference_markdown())?;
        return Ok(Exit::Ok);
    }
    if let Some(name) = &args.front_end {
        print_stdout(&front_end_column(name, args.json)?)?;
        return Ok(Exit::Ok);
    }
    let settings = Settings::from_process(&args.flags)?;
    let text = if args.json {
        let settings_json: Vec<serde_json::Value> = settings
            .listing()
            .into_iter()
            .map(|(k, value, source)| {
                serde_json::json!({
                    "key": k.key,
                    "value": value.map(KnobValue::to_json),
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
            let value = value.map_or_else(|| "(unset)".to_string(), KnobValue::to_string);
            text.push_str(&format!("{:width$} = {value}  ({source})\n", k.key));
        }
        text
    };
    print_stdout(&text)?;
    let resolved = settings.resolve()?;
    // The model check builds the engine's models, not its cache (another
    // process may hold the cache folder open), a recording (it would
    // empty the file) nor the MCP servers (it would start them).
    let check =
        RlmConfig { cache: None, record: None, mcp_servers: Vec::new(), ..resolved.clone() };
    // The scripted model plays its script (`RLM_FAKE_SCRIPT`, else the demo), as in `rlm run`.
    crate::engine::engine_parts(check, settings.env.clone(), None)?
        .models(EngineModels::Configured)?;
    resolved.scheduler_config()?;
    if !args.json {
        print_stdout(&format!(
            "model check: {} and {} can be set up\n",
            resolved.model,
            resolved.sub_model()
        ))?;
    }
    Ok(Exit::Ok)
}

/// `rlm config --front-end NAME`: the knob table's column of one front
/// end, as text (`key  honoured` / `key  not applicable: why`) or JSON.
pub fn front_end_column(name: &str, json: bool) -> Result<String, CliError> {
    let front_end = FrontEnd::parse(name).ok_or_else(|| {
        let names: Vec<&str> = FrontEnd::ALL.iter().map(|f| f.as_str()).collect();
        CliError::Config(format!(
            "--front-end {name}: use one of {} (or repl, serve)",
            names.join(", ")
        ))
    })?;
    let cells = KNOBS.iter().map(|k| (k.key, front_end.cell(k.key)));
    if json {
        let rows: Vec<serde_json::Value> = cells
            .map(|(key, cell)| match cell {
                Some(Cell::Honoured) => serde_json::json!({"key": key, "honoured": true}),
                Some(Cell::NotApplicable(why)) => {
                    serde_json::json!({"key": key, "honoured": false, "why": why})
                }
                None => serde_json::json!({"key": key, "honoured": false, "why": null}),
            })
            .collect();
        let doc = serde_json::json!({"front_end": front_end.as_str(), "knobs": rows});
        return Ok(format!("{doc:#}\n"));
    }
    let width = KNOBS.iter().map(|k| k.key.len()).max().unwrap_or(0);
    let mut text = format!("front end: {}\n", front_end.as_str());
    for (key, cell) in cells {
        let what = match cell {
            Some(Cell::Honoured) => "honoured".to_string(),
            Some(Cell::NotApplicable(why)) => format!("not applicable: {why}"),
            None => "(the knob table has no cell)".to_string(),
        };
        text.push_str(&format!("{key:width$}  {what}\n"));
    }
    Ok(text)
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
