//! The small-model switches (issue #19): which prompt profile the root
//! model gets and which of the loop's helps are on. The values come from the
//! `prompt_profile` and `helps` knobs (`--prompt-profile`,
//! `RLM_PROMPT_PROFILE`, `prompt_profile = ...` in rlm.toml; likewise helps);
//! by default the profile follows the model's name
//! ([`PromptProfile::for_model`]) and the helps follow the profile
//! ([`Helps::for_profile`]: the measured defaults).

use rlm_config::HELP_NAMES;
use rlm_prompts::PromptProfile;

use crate::error::RlmError;
use crate::options::{Helps, RepeatEscape};

/// The helps a `--helps` value names; `None` for `auto` (the profile's).
pub fn parse_helps(text: &str) -> Result<Option<Helps>, String> {
    match text.trim() {
        "auto" | "" => Ok(None),
        "all" => Ok(Some(Helps::all())),
        "none" => Ok(Some(Helps::none())),
        list => {
            let mut helps = Helps::none();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match name {
                    "evidence" => {
                        let all = Helps::all();
                        helps.evidence_passages = all.evidence_passages;
                        helps.retrieval_first_step = all.retrieval_first_step;
                    }
                    "teaching" => helps.teaching_feedback = true,
                    "escape" => helps.repeat_escape = Some(RepeatEscape::default()),
                    "grammar" => helps.constrain_root = true,
                    "counting" => helps.count_by_program = true,
                    "answer" => helps.answer_from_output = true,
                    "bare" => helps.bare_answer = true,
                    "confirmed" => helps.confirmed_repeat = true,
                    "echo" => helps.echo_last_expression = true,
                    other => {
                        return Err(format!(
                            "unknown help {other:?} in --helps: use auto, all, none, or a list of {}",
                            HELP_NAMES.join(", ")
                        ));
                    }
                }
            }
            Ok(Some(helps))
        }
    }
}

/// The profile and helps a run with root model `model` gets, from the
/// `prompt_profile` and `helps` settings (unset: auto).
pub fn profile_and_helps(
    prompt_profile: Option<&str>,
    helps: Option<&str>,
    model: &str,
) -> Result<(PromptProfile, Helps), RlmError> {
    let profile = match prompt_profile {
        Some(p) => PromptProfile::parse(p)?,
        None => None,
    }
    .unwrap_or_else(|| PromptProfile::for_model(model));
    let helps = parse_helps(helps.unwrap_or("auto"))
        .map_err(RlmError::Config)?
        .unwrap_or_else(|| Helps::for_profile(profile));
    Ok((profile, helps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_follows_the_model_unless_set_and_the_helps_follow_the_profile() {
        let (p, h) = profile_and_helps(None, None, "llamacpp:local").unwrap();
        assert_eq!((p, h), (PromptProfile::Compact, Helps::for_profile(PromptProfile::Compact)));
        let (p, h) = profile_and_helps(Some("auto"), Some("auto"), "openai:gpt-4o").unwrap();
        assert_eq!((p, h), (PromptProfile::Full, Helps::none()));
        // A small model gets the measured helps by default; `none` turns
        // every one off (the harness's ablation arms), whatever the profile.
        let (_, h) = profile_and_helps(None, None, "llamacpp:qwen2.5-coder-1.5b").unwrap();
        assert!(h.count_by_program && h.evidence_passages > 0 && h.retrieval_first_step > 0);
        let (p, h) = profile_and_helps(None, Some("none"), "llamacpp:local").unwrap();
        assert_eq!((p, h), (PromptProfile::Compact, Helps::none()));
        let (p, _) = profile_and_helps(Some("full"), None, "llamacpp:local").unwrap();
        assert_eq!(p, PromptProfile::Full);
    }

    #[test]
    fn helps_lists_and_bad_names() {
        let (_, h) = profile_and_helps(None, Some("teaching, grammar"), "x:y").unwrap();
        assert!(h.teaching_feedback && h.constrain_root);
        assert!(h.repeat_escape.is_none() && h.evidence_passages == 0);
        assert!(!h.answer_from_output && h.retrieval_first_step == 0 && !h.count_by_program);
        let (_, h) = profile_and_helps(None, Some("answer,evidence"), "x:y").unwrap();
        assert!(h.answer_from_output && h.evidence_passages > 0 && h.retrieval_first_step > 0);
        assert!(!h.bare_answer && !h.confirmed_repeat && !h.echo_last_expression);
        let (_, h) = profile_and_helps(None, Some("bare,confirmed,echo"), "x:y").unwrap();
        assert!(h.bare_answer && h.confirmed_repeat && h.echo_last_expression);
        assert!(!h.count_by_program && h.evidence_passages == 0);
        assert_eq!(profile_and_helps(None, Some("all"), "x:y").unwrap().1, Helps::all());
        let e = profile_and_helps(None, Some("evidense"), "x:y").unwrap_err();
        assert!(e.to_string().contains("evidense"), "{e}");
        let e = profile_and_helps(Some("tiny"), None, "x:y").unwrap_err();
        assert!(e.to_string().contains("tiny"), "{e}");
    }
}
