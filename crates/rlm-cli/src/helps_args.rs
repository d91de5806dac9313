//! The small-model switches of `rlm run` (issue #19): which prompt profile
//! the root model gets and which of the loop's helps are on. Flags win over
//! `RLM_PROMPT_PROFILE` / `RLM_HELPS`; by default the profile follows the
//! model's name (`rlm_core::PromptProfile::for_model`) and the helps follow
//! the profile (`rlm_core::Helps::for_profile`: the measured defaults).

use rlm_core::{Helps, PromptProfile, RepeatEscape};

use crate::exit::CliError;

/// The names `--helps` takes, one per help.
pub const HELP_NAMES: [&str; 4] = ["evidence", "teaching", "escape", "grammar"];

/// The prompt-profile and helps flags of `rlm run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HelpsFlags {
    /// Root prompt wording: full, compact (small models), or auto (by model name).
    #[arg(long, value_name = "PROFILE", env = "RLM_PROMPT_PROFILE")]
    pub prompt_profile: Option<String>,
    /// The loop's help for small models: auto (the profile's defaults), all,
    /// none, or a comma-separated list of evidence, teaching, escape, grammar.
    #[arg(long, value_name = "LIST", env = "RLM_HELPS")]
    pub helps: Option<String>,
}

/// The profile and helps a run with root model `model` gets.
pub fn profile_and_helps(
    flags: &HelpsFlags,
    model: &str,
) -> Result<(PromptProfile, Helps), CliError> {
    let profile = match flags.prompt_profile.as_deref() {
        Some(p) => PromptProfile::parse(p).map_err(|e| CliError::Config(e.to_string()))?,
        None => None,
    }
    .unwrap_or_else(|| PromptProfile::for_model(model));
    let helps = match flags.helps.as_deref().map(str::trim) {
        None | Some("auto") | Some("") => Helps::for_profile(profile),
        Some("all") => Helps::all(),
        Some("none") => Helps::none(),
        Some(list) => {
            let mut helps = Helps::none();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match name {
                    "evidence" => helps.evidence_passages = Helps::all().evidence_passages,
                    "teaching" => helps.teaching_feedback = true,
                    "escape" => helps.repeat_escape = Some(RepeatEscape::default()),
                    "grammar" => helps.constrain_root = true,
                    other => {
                        return Err(CliError::Config(format!(
                            "unknown help {other:?} in --helps: use auto, all, none, or a list of {}",
                            HELP_NAMES.join(", ")
                        )));
                    }
                }
            }
            helps
        }
    };
    Ok((profile, helps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(profile: Option<&str>, helps: Option<&str>) -> HelpsFlags {
        HelpsFlags { prompt_profile: profile.map(String::from), helps: helps.map(String::from) }
    }

    #[test]
    fn the_profile_follows_the_model_unless_set_and_the_helps_follow_the_profile() {
        let (p, h) = profile_and_helps(&flags(None, None), "llamacpp:local").unwrap();
        assert_eq!((p, h), (PromptProfile::Compact, Helps::for_profile(PromptProfile::Compact)));
        let (p, h) = profile_and_helps(&flags(None, None), "openai:gpt-4o").unwrap();
        assert_eq!((p, h), (PromptProfile::Full, Helps::none()));
        let (p, _) = profile_and_helps(&flags(Some("full"), None), "llamacpp:local").unwrap();
        assert_eq!(p, PromptProfile::Full);
    }

    #[test]
    fn helps_lists_and_bad_names() {
        let (_, h) = profile_and_helps(&flags(None, Some("teaching, grammar")), "x:y").unwrap();
        assert!(h.teaching_feedback && h.constrain_root);
        assert!(h.repeat_escape.is_none() && h.evidence_passages == 0);
        assert_eq!(profile_and_helps(&flags(None, Some("all")), "x:y").unwrap().1, Helps::all());
        let e = profile_and_helps(&flags(None, Some("evidense")), "x:y").unwrap_err();
        assert!(e.to_string().contains("evidense"), "{e}");
        let e = profile_and_helps(&flags(Some("tiny"), None), "x:y").unwrap_err();
        assert!(e.to_string().contains("tiny"), "{e}");
    }
}
