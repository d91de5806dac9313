//! The prompts the loop sends, as files in `prompts/` (embedded at build
//! time, overridable from a directory), and their `{{name}}` rendering.
//!
//! Rendering is strict: a placeholder without a value is an error, never an
//! empty hole in a prompt a model will read.

use std::path::Path;

use crate::error::RlmError;

/// Every prompt template the loop uses.
#[derive(Debug, Clone)]
pub struct Prompts {
    /// The root model's system prompt: the DSL, the functions, how to finish.
    pub system: String,
    /// The first user message: the question and the context's metadata.
    pub first_user: String,
    /// What the model reads after each program run.
    pub feedback: String,
    /// The nudge after a reply with no program and no answer.
    pub invalid_reply: String,
    /// System prompt of sub-model calls (`llm_query`, `ask`...).
    pub subcall_system: String,
    /// The prompt `ask(question, text)` builds.
    pub ask: String,
    /// Appended to the system prompt of a sub-RLM.
    pub sub_rlm: String,
    /// Asks for an answer now (budget soft limit or hard stop).
    pub finalize_now: String,
    /// Asks the model to summarise old turns.
    pub compaction: String,
    /// Replaces the summarised turns in the history.
    pub compacted: String,
    /// The one-call baseline (SmartRouter below its threshold).
    pub direct: String,
}

/// The file name of each template, in [`Prompts`] field order.
pub const PROMPT_FILES: [&str; 11] = [
    "system.md",
    "first_user.md",
    "feedback.md",
    "invalid_reply.md",
    "subcall_system.md",
    "ask.md",
    "sub_rlm.md",
    "finalize_now.md",
    "compaction.md",
    "compacted.md",
    "direct.md",
];

impl Default for Prompts {
    fn default() -> Self {
        Prompts {
            system: include_str!("../../../prompts/system.md").to_string(),
            first_user: include_str!("../../../prompts/first_user.md").to_string(),
            feedback: include_str!("../../../prompts/feedback.md").to_string(),
            invalid_reply: include_str!("../../../prompts/invalid_reply.md").to_string(),
            subcall_system: include_str!("../../../prompts/subcall_system.md").to_string(),
            ask: include_str!("../../../prompts/ask.md").to_string(),
            sub_rlm: include_str!("../../../prompts/sub_rlm.md").to_string(),
            finalize_now: include_str!("../../../prompts/finalize_now.md").to_string(),
            compaction: include_str!("../../../prompts/compaction.md").to_string(),
            compacted: include_str!("../../../prompts/compacted.md").to_string(),
            direct: include_str!("../../../prompts/direct.md").to_string(),
        }
    }
}

impl Prompts {
    /// The embedded prompts, with any file of [`PROMPT_FILES`] found in `dir`
    /// replacing its default (so a user can tune one prompt only).
    pub fn from_dir(dir: &Path) -> Result<Prompts, RlmError> {
        let mut prompts = Prompts::default();
        for (i, name) in PROMPT_FILES.iter().enumerate() {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => *prompts.field_mut(i) = text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(RlmError::Config(format!(
                        "cannot read prompt {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Ok(prompts)
    }

    fn field_mut(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.system,
            1 => &mut self.first_user,
            2 => &mut self.feedback,
            3 => &mut self.invalid_reply,
            4 => &mut self.subcall_system,
            5 => &mut self.ask,
            6 => &mut self.sub_rlm,
            7 => &mut self.finalize_now,
            8 => &mut self.compaction,
            9 => &mut self.compacted,
            _ => &mut self.direct,
        }
    }
}

/// Replaces each `{{name}}` in `template` by its value. A placeholder with no
/// value is an error naming it; values are inserted verbatim (a value that
/// itself contains `{{x}}` is not expanded again).
pub fn render(template: &str, values: &[(&str, &str)]) -> Result<String, RlmError> {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(RlmError::Config(format!(
                "prompt template has an unclosed placeholder near {:?}",
                &rest[open..(open + 30).min(rest.len())]
            )));
        };
        let name = after[..close].trim();
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => {
                return Err(RlmError::Config(format!(
                    "prompt template uses {{{{{name}}}}} but no value is given for it"
                )));
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_refuses_missing_values() {
        assert_eq!(
            render("a {{x}} b {{ y }}", &[("x", "1"), ("y", "{{x}}")]).unwrap(),
            "a 1 b {{x}}"
        );
        let e = render("hi {{who}}", &[]).unwrap_err().to_string();
        assert!(e.contains("{{who}}"), "{e}");
        assert!(render("hi {{who", &[("who", "x")]).is_err());
    }

    #[test]
    fn every_default_prompt_is_embedded() {
        let p = Prompts::default();
        for (i, name) in PROMPT_FILES.iter().enumerate() {
            let mut q = p.clone();
            assert!(!q.field_mut(i).trim().is_empty(), "{name} is empty");
        }
    }
}
