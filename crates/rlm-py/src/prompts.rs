//! `prompt_template(name, profile)`: the runtime's own prompt templates (the
//! files of rlm-prompts' `prompts/`, embedded at build time) for
//! `rlm_rs.prompts`, pyrlm-runtime's prompt constants mapped onto ours.

use pyo3::prelude::*;
use rlm_core::{PromptProfile, Prompts};

use crate::error::{BindError, BindResult};

/// The template `name` (a file of rlm-prompts' `prompts/` without `.md`:
/// `system`, `subcall_system`, `ask`...) of the prompt `profile` (`full` or
/// `compact`), with its `{{placeholders}}` unfilled.
#[pyfunction]
#[pyo3(signature = (name, profile="full"))]
pub fn prompt_template(name: &str, profile: &str) -> BindResult<String> {
    let profile = match PromptProfile::parse(profile) {
        Ok(Some(p)) => p,
        _ => {
            return Err(BindError::Config(format!(
                "unknown prompt profile {profile:?} (full or compact)"
            )));
        }
    };
    let p = Prompts::for_profile(profile);
    let text = match name {
        "system" => p.system,
        "first_user" => p.first_user,
        "feedback" => p.feedback,
        "invalid_reply" => p.invalid_reply,
        "subcall_system" => p.subcall_system,
        "ask" => p.ask,
        "sub_rlm" => p.sub_rlm,
        "finalize_now" => p.finalize_now,
        "compaction" => p.compaction,
        "compacted" => p.compacted,
        "direct" => p.direct,
        "session_history" => p.session_history,
        other => return Err(BindError::Config(format!("no prompt template named {other:?}"))),
    };
    Ok(text)
}
