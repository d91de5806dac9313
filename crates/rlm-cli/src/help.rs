//! Help that fits its command (issue #82): each subcommand's `--help` shows
//! the knob flags its front end honours (the knob table's cells,
//! `rlm_config::FrontEnd`), grouped under headings, and `-h` is the short
//! form (one line a flag) where `--help` adds each flag's environment
//! variable and `rlm.toml` key. A flag the command does not honour still
//! parses (the command warns that it is ignored, as before); it is only
//! not shown.

use clap::Command;
use rlm_config::{FrontEnd, KNOBS};

/// The front ends whose knobs a subcommand's help shows; `None`: all of
/// them (`rlm config` shows every setting).
fn front_ends_of(subcommand: &str) -> Option<&'static [FrontEnd]> {
    Some(match subcommand {
        "run" | "test" | "eval" | "check" => &[FrontEnd::Run],
        "exec" | "repl" | "index" => &[FrontEnd::Exec],
        // One binary serves both roles (`--role api|worker|all`).
        "serve" => &[FrontEnd::ServeApi, FrontEnd::ServeWorker],
        "mcp" => &[FrontEnd::Mcp],
        "stress" => &[FrontEnd::Stress],
        _ => return None,
    })
}

/// The heading a knob's flag is shown under.
fn heading(key: &str) -> &'static str {
    let group = key.split_once('.').map_or(key, |(g, _)| g);
    match group {
        "model"
        | "sub_model"
        | "concurrency"
        | "rate_limits"
        | "subcall_deadline_secs"
        | "router"
        | "cache" => "Model",
        "budgets" => "Budgets",
        "limits" | "isolation" => "Sandbox limits",
        "mcp_servers" => "Tools",
        "retrieval" | "helps" | "prompt_profile" | "prompts_dir" | "guards" => {
            "Context and prompts"
        }
        "output" | "trace" | "record" | "replay" | "log_format" | "telemetry" => {
            "Output and traces"
        }
        "server" => "Server",
        "redis" | "nats" | "jobs" => "Cluster",
        _ => "Other settings",
    }
}

/// `cmd` with every subcommand's knob flags fitted: hidden where its front
/// end does not honour them, under their heading, short help for `-h`.
pub fn fit(cmd: Command) -> Command {
    let names: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    names.into_iter().fold(cmd, |cmd, name| {
        let fronts = front_ends_of(&name);
        cmd.mut_subcommand(name, |sub| fit_one(sub, fronts))
    })
}

fn fit_one(sub: Command, fronts: Option<&[FrontEnd]>) -> Command {
    KNOBS.iter().fold(sub, |sub, k| {
        if sub.get_arguments().all(|a| a.get_id() != k.key) {
            return sub;
        }
        let shown = fronts.is_none_or(|f| f.iter().any(|fe| fe.honours(k.key)));
        sub.mut_arg(k.key, |a| {
            a.hide(!shown)
                .help_heading(heading(k.key))
                .help(k.help)
                .long_help(format!("{} [env: {}] [rlm.toml: {}]", k.help, k.env, k.key))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every knob has a heading of its own kind, not the catch-all.
    #[test]
    fn every_knob_has_a_heading() {
        let loose: Vec<&str> =
            KNOBS.iter().map(|k| k.key).filter(|k| heading(k) == "Other settings").collect();
        assert!(loose.is_empty(), "knobs without a heading: {loose:?}");
    }
}
