//! Every text the loop sends a model, as files in the crate's `prompts/` (embedded at
//! build time, overridable from a directory): the prompt templates, and the
//! short notes, reasons and error messages of `prompts/notes.toml`; and their
//! `{{name}}` rendering. The small-model helps' texts are rlm-helps' own
//! ([`HelpPrompts`], its `prompts/`), held here and overridable from the same
//! directory.
//!
//! Rendering is strict: a placeholder without a value is an error, never an
//! empty hole in a prompt a model will read.

use std::path::Path;
use std::sync::LazyLock;

use rlm_helps::{HELP_PROMPT_FILES, HelpNotes, HelpPrompts};
use serde::Deserialize;

use crate::error::PromptError;

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
    /// Earlier questions of a session, before the first user message.
    pub session_history: String,
    /// The small-model helps' templates and notes (rlm-helps' `prompts/`).
    pub helps: HelpPrompts,
    /// Notes, reasons and error messages (`notes.toml`).
    pub notes: Notes,
    /// Which wording these are (the compact one lists fewer functions).
    pub profile: PromptProfile,
}

/// The file name of each template, in [`Prompts`] field order.
pub const PROMPT_FILES: [&str; 12] = [
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
    "session_history.md",
];

/// A [`Prompts`]' template fields as an array, in [`PROMPT_FILES`] order,
/// each borrowed as the call says (`template_fields!(&p)` or
/// `template_fields!(&mut p)`): the one list of which field each file is.
macro_rules! template_fields {
    (&mut $prompts:ident) => { template_fields!(@ [&mut] $prompts) };
    (& $prompts:ident) => { template_fields!(@ [&] $prompts) };
    (@ [$($borrow:tt)+] $prompts:ident) => {
        [
            $($borrow)+ $prompts.system,
            $($borrow)+ $prompts.first_user,
            $($borrow)+ $prompts.feedback,
            $($borrow)+ $prompts.invalid_reply,
            $($borrow)+ $prompts.subcall_system,
            $($borrow)+ $prompts.ask,
            $($borrow)+ $prompts.sub_rlm,
            $($borrow)+ $prompts.finalize_now,
            $($borrow)+ $prompts.compaction,
            $($borrow)+ $prompts.compacted,
            $($borrow)+ $prompts.direct,
            $($borrow)+ $prompts.session_history,
        ]
    };
}

/// Which wording of the root prompts a model gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptProfile {
    /// The full prompts (frontier models).
    Full,
    /// Short prompts for small models: the short helpers first, one example,
    /// few rules (`prompts/compact/`).
    Compact,
}

impl PromptProfile {
    /// `full`, `compact`, or `auto` (`None`: choose by model name).
    pub fn parse(s: &str) -> Result<Option<PromptProfile>, PromptError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(Some(PromptProfile::Full)),
            "compact" | "small" => Ok(Some(PromptProfile::Compact)),
            "auto" | "" => Ok(None),
            other => Err(PromptError::UnknownProfile(other.to_string())),
        }
    }

    /// Compact for models whose name says they are small (a size of at most
    /// 8B parameters, e.g. `qwen2.5-coder-1.5b-instruct`, `llama3:8b`) or
    /// that are served locally under a generic name (`local`); full otherwise.
    pub fn for_model(model: &str) -> PromptProfile {
        let name = model.rsplit(['/', ':']).next().unwrap_or(model).to_ascii_lowercase();
        if name == "local" {
            return PromptProfile::Compact;
        }
        let lower = model.to_ascii_lowercase();
        let bytes = lower.as_bytes();
        for (i, _) in lower.match_indices('b') {
            // Digits (with one dot) right before the `b`, and no letter after it.
            let mut j = i;
            while j > 0 && (bytes[j - 1].is_ascii_digit() || bytes[j - 1] == b'.') {
                j -= 1;
            }
            let after_ok = bytes.get(i + 1).is_none_or(|c| !c.is_ascii_alphabetic());
            let before_ok = j == 0 || !bytes[j - 1].is_ascii_alphanumeric();
            if j < i
                && after_ok
                && before_ok
                && let Ok(size) = lower[j..i].parse::<f64>()
            {
                return if size <= 8.0 { PromptProfile::Compact } else { PromptProfile::Full };
            }
        }
        PromptProfile::Full
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PromptProfile::Full => "full",
            PromptProfile::Compact => "compact",
        }
    }
}

/// The file of the [`Notes`].
pub const NOTES_FILE: &str = "notes.toml";

const DEFAULT_NOTES: &str = include_str!("../prompts/notes.toml");

/// The short texts of `prompts/notes.toml`, one field per key (see the file
/// for what each is and its placeholders).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    pub no_output: String,
    pub no_output_after_error: String,
    pub error_block: String,
    pub note_line: String,
    pub repeated_program: String,
    /// A program not run because an earlier step ran it over the same
    /// variables (issue #78): `step`.
    pub program_already_ran: String,
    /// The same, asked for again: `step`, `times`.
    pub program_already_ran_again: String,
    /// The closing call's digest of the outputs: `outputs` (its entries).
    pub closing_digest: String,
    /// One output of the digest: `step`, `output`.
    pub closing_digest_entry: String,
    pub blocks_not_run: String,
    pub claimed_output: String,
    pub rejected_languages: String,
    pub context_restored: String,
    pub limit_rolled_back: String,
    pub fallback_ran: String,
    pub checkpoint_lost: String,
    pub final_before_program: String,
    pub final_needs_subcall: String,
    pub final_deferred: String,
    pub final_var_no_answer: String,
    pub final_no_answer: String,
    pub final_not_a_variable: String,
    pub final_placeholder: String,
    pub final_placeholder_seen: String,
    /// A FINAL that fails the run's output schema: `answer`, `violations`.
    pub final_schema_invalid: String,
    pub invalid_empty: String,
    pub invalid_language: String,
    pub invalid_claimed_output: String,
    pub invalid_no_code: String,
    pub invalid_bare_syntax: String,
    pub finalize_soft_limit: String,
    pub finalize_spent: String,
    pub finalize_budget: String,
    pub finalize_invalid_replies: String,
    pub finalize_failing_steps: String,
    pub finalize_partial: String,
    pub finalize_time_short: String,
    pub finalize_answer_only: String,
    pub finalize_template_answer: String,
    pub finalize_copied_prompt: String,
    pub subcall_too_large: String,
    pub subcall_part_label: String,
    pub chunk_too_large: String,
    pub subcall_refused_too_long: String,
    pub subcall_failed: String,
    pub subcall_budget_refused: String,
    pub subcall_cancelled: String,
    /// The reason an `LLMError` gives (a batch prompt that failed for good).
    pub llm_error: String,
    pub unknown_model: String,
    pub sub_rlm_no_answer: String,
    pub sub_rlm_as_subcall: String,
    pub no_such_function: String,
    /// A batch over `budgets.max_batch`: `name`, `count`, `limit`.
    pub batch_too_large: String,
    pub history_turn: String,
    pub history_no_answer: String,
    pub first_step: String,
    pub first_step_after_count: String,
    pub repeat_reask: String,
    pub strategy_ran: String,
    /// The run's output schema, after the question: `schema`.
    pub answer_schema: String,
    /// The output schema of a direct (SmartRouter) answer: `schema`.
    pub direct_answer_schema: String,
    /// After a structured subcall's prompt: `schema`.
    pub subcall_schema: String,
    /// A structured subcall whose prompt would be split: `parts`.
    pub subcall_schema_too_large: String,
    /// The re-ask of a subcall reply that fails its schema: `violations`.
    pub subcall_schema_invalid: String,
    /// A structured subcall that failed its schema twice: `violations`, `reply`.
    pub subcall_schema_failed: String,
}

impl Notes {
    /// `notes.toml` text as notes; `base` supplies the keys it does not set.
    /// The helps' keys ([`HelpNotes::KEYS`]) are theirs: left out here.
    fn parse(text: &str, base: Option<&str>) -> Result<Notes, String> {
        let mut table: toml::Table = match base {
            Some(b) => toml::from_str(b).map_err(|e| e.to_string())?,
            None => toml::Table::new(),
        };
        let own: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        table.extend(own);
        table.retain(|key, _| !HelpNotes::KEYS.contains(&key));
        table.try_into().map_err(|e: toml::de::Error| e.to_string())
    }
}

impl Default for Notes {
    /// The embedded notes, parsed once per process (a TOML parse was most of
    /// building an `Rlm`, which a server does per execution) and cloned.
    fn default() -> Self {
        static EMBEDDED: LazyLock<Notes> = LazyLock::new(|| {
            // Checked by `every_default_prompt_is_embedded_and_renders` below.
            Notes::parse(DEFAULT_NOTES, None).unwrap_or_else(|e| {
                unreachable!("the embedded prompts/notes.toml does not parse: {e}")
            })
        });
        EMBEDDED.clone()
    }
}

impl Default for Prompts {
    /// The embedded prompts, built once per process and cloned.
    fn default() -> Self {
        static EMBEDDED: LazyLock<Prompts> = LazyLock::new(Prompts::embedded);
        EMBEDDED.clone()
    }
}

impl Prompts {
    /// The embedded prompts, built (see `Default`, which keeps one copy).
    fn embedded() -> Prompts {
        Prompts {
            system: include_str!("../prompts/system.md").to_string(),
            first_user: include_str!("../prompts/first_user.md").to_string(),
            feedback: include_str!("../prompts/feedback.md").to_string(),
            invalid_reply: include_str!("../prompts/invalid_reply.md").to_string(),
            subcall_system: include_str!("../prompts/subcall_system.md").to_string(),
            ask: include_str!("../prompts/ask.md").to_string(),
            sub_rlm: include_str!("../prompts/sub_rlm.md").to_string(),
            finalize_now: include_str!("../prompts/finalize_now.md").to_string(),
            compaction: include_str!("../prompts/compaction.md").to_string(),
            compacted: include_str!("../prompts/compacted.md").to_string(),
            direct: include_str!("../prompts/direct.md").to_string(),
            session_history: include_str!("../prompts/session_history.md").to_string(),
            helps: HelpPrompts::default(),
            notes: Notes::default(),
            profile: PromptProfile::Full,
        }
    }

    /// The embedded prompts of a profile: [`PromptProfile::Compact`] replaces
    /// the system prompt and the first user message with `prompts/compact/`.
    pub fn for_profile(profile: PromptProfile) -> Prompts {
        let mut p = Prompts::default();
        if profile == PromptProfile::Compact {
            p.system = include_str!("../prompts/compact/system.md").to_string();
            p.first_user = include_str!("../prompts/compact/first_user.md").to_string();
            p.profile = PromptProfile::Compact;
        }
        p
    }

    /// The embedded prompts, with any file of [`PROMPT_FILES`] found in `dir`
    /// replacing its default, and any key of a `notes.toml` there replacing
    /// that note (so a user can tune one prompt only).
    pub fn from_dir(dir: &Path) -> Result<Prompts, PromptError> {
        Prompts::default().overlay_dir(dir)
    }

    /// These prompts with the files found in `dir` replacing theirs, as
    /// [`Prompts::from_dir`] does over the defaults (the `prompts_dir` knob,
    /// over a profile's prompts).
    pub fn overlay_dir(self, dir: &Path) -> Result<Prompts, PromptError> {
        let mut prompts = self;
        for (field, name) in template_fields!(&mut prompts).into_iter().zip(PROMPT_FILES) {
            if let Some(text) = read_optional(&dir.join(name))? {
                *field = text;
            }
        }
        for name in HELP_PROMPT_FILES {
            if let Some(text) = read_optional(&dir.join(name))? {
                prompts.helps.replace(name, text);
            }
        }
        let notes_path = dir.join(NOTES_FILE);
        if let Some(text) = read_optional(&notes_path)? {
            let bad = |e: String| PromptError::Notes { path: notes_path.clone(), why: e };
            prompts.notes = Notes::parse(&text, Some(DEFAULT_NOTES)).map_err(bad)?;
            // The same file sets the helps' notes (parsed above, so it is valid TOML).
            let table: toml::Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
            prompts.helps.notes =
                HelpNotes::with_overrides(&table).map_err(|e| bad(e.to_string()))?;
        }
        Ok(prompts)
    }

    /// The text of the template file `name` (one of [`PROMPT_FILES`]).
    pub fn text_of(&self, name: &str) -> Option<&str> {
        let i = PROMPT_FILES.iter().position(|f| *f == name)?;
        Some(template_fields!(&self)[i].as_str())
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, PromptError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PromptError::Read { path: path.to_path_buf(), source: e }),
    }
}

/// Replaces each `{{name}}` in `template` by its value. A placeholder with no
/// value is an error naming it; values are inserted verbatim (a value that
/// itself contains `{{x}}` is not expanded again).
pub fn render(template: &str, values: &[(&str, &str)]) -> Result<String, PromptError> {
    // One renderer for every template (rlm-helps', which the helps use too).
    rlm_helps::render(template, values).map_err(PromptError::Render)
}

/// The names of `template`'s `{{name}}` placeholders, each once (`None`:
/// one is not closed), by the same rule as [`render`].
pub fn placeholders(template: &str) -> Option<Vec<String>> {
    rlm_helps::placeholders(template)
}

/// [`render`] for texts that must always produce something: a template that
/// fails to render (only a user-supplied one can) yields the error's text,
/// which names the bad placeholder.
pub fn render_or_explain(template: &str, values: &[(&str, &str)]) -> String {
    render(template, values).unwrap_or_else(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_default_is_its_own_copy_of_the_embedded_texts() {
        let mut tuned = Prompts::default();
        tuned.system.push_str("tuned");
        tuned.notes.final_before_program = "changed".into();
        tuned.helps.notes = HelpNotes::default();
        let fresh = Prompts::default();
        assert_eq!(fresh.system, include_str!("../prompts/system.md"));
        assert_ne!(fresh.notes.final_before_program, "changed");
        assert_eq!(
            fresh.notes.final_before_program,
            Notes::parse(DEFAULT_NOTES, None).map(|n| n.final_before_program).unwrap_or_default()
        );
        assert!(!fresh.notes.final_before_program.is_empty());
    }

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
    fn every_default_prompt_is_embedded_and_the_notes_parse() {
        let p = Prompts::default();
        for (text, name) in template_fields!(&p).into_iter().zip(PROMPT_FILES) {
            assert!(!text.trim().is_empty(), "{name} is empty");
        }
        Notes::parse(DEFAULT_NOTES, None).unwrap();
    }

    /// Every `FINAL(...)` slot the root prompts show a model is recognised
    /// as a placeholder (rlm-helps): a model that copies one is asked again.
    #[test]
    fn the_prompts_final_slots_are_placeholders() {
        for profile in [PromptProfile::Full, PromptProfile::Compact] {
            let p = Prompts::for_profile(profile);
            let closings = [&p.notes.first_step, &p.notes.first_step_after_count];
            let templates =
                [&p.system, &p.first_user, &p.feedback, &p.invalid_reply, &p.finalize_now];
            for text in templates.into_iter().chain(closings) {
                let mut rest = text.as_str();
                while let Some(at) = rest.find("FINAL(") {
                    let after = &rest[at + "FINAL(".len()..];
                    let Some(close) = after.find(')') else { break };
                    let slot = &after[..close];
                    assert!(rlm_helps::is_placeholder(slot), "{slot:?} in {profile:?} prompts");
                    rest = &after[close..];
                }
            }
        }
    }

    #[test]
    fn profiles_by_model_name() {
        use PromptProfile::*;
        for (model, want) in [
            ("llamacpp:local", Compact),
            ("llamacpp:qwen2.5-coder-1.5b-instruct-q4_k_m", Compact),
            ("ollama:llama3:8b", Compact),
            ("ollama:qwen2.5:0.5b", Compact),
            ("openai:gpt-4o-mini", Full),
            ("together:meta-llama/Llama-3-70b-chat", Full),
            ("anthropic:claude-sonnet-4", Full),
            ("fake:scripted", Full),
        ] {
            assert_eq!(PromptProfile::for_model(model), want, "{model}");
        }
        assert_eq!(PromptProfile::parse("compact").unwrap(), Some(Compact));
        assert_eq!(PromptProfile::parse("auto").unwrap(), None);
        assert!(PromptProfile::parse("tiny").unwrap_err().to_string().contains("tiny"));
    }

    #[test]
    fn a_notes_file_overrides_keys_and_refuses_unknown_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(NOTES_FILE), "no_output = \"(nothing printed)\"\n").unwrap();
        let p = Prompts::from_dir(dir.path()).unwrap();
        assert_eq!(p.notes.no_output, "(nothing printed)");
        assert_eq!(p.notes.final_no_answer, Notes::default().final_no_answer);
        // One notes file sets the helps' notes too.
        std::fs::write(dir.path().join(NOTES_FILE), "count_check = \"All.\"\nno_output = \"-\"\n")
            .unwrap();
        let p = Prompts::from_dir(dir.path()).unwrap();
        assert_eq!((p.notes.no_output.as_str(), p.helps.notes.count_check.as_str()), ("-", "All."));
        std::fs::write(dir.path().join(NOTES_FILE), "no_outptu = \"x\"\n").unwrap();
        let e = Prompts::from_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("no_outptu"), "{e}");
    }
}
