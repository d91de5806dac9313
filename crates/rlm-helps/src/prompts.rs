//! The helps' texts, as files in this crate's `prompts/` (embedded at build
//! time; rlm-core's `Prompts::from_dir` replaces any of them from a
//! directory, next to the loop's own): the evidence and counting templates, the repeat escape's
//! strategy programs, and the notes of `prompts/notes.toml`.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::error::HelpsError;

/// The file of the [`HelpNotes`] (the same name as the loop's notes: one
/// `notes.toml` in a prompts directory holds the keys of both).
pub const HELP_NOTES_FILE: &str = "notes.toml";

const DEFAULT_NOTES: &str = include_str!("../prompts/notes.toml");

/// The file name of each template, in [`HelpPrompts`] field order.
pub const HELP_PROMPT_FILES: [&str; 5] = [
    "passage_evidence.md",
    "strategy_lookup.py",
    "strategy_count.py",
    "count_evidence.md",
    "strategy_count_lines.py",
];

/// Every template and note of the helps.
#[derive(Debug, Clone)]
pub struct HelpPrompts {
    /// Passages found by a plain term search for the question, after the
    /// context metadata (the "evidence first" help).
    pub passage_evidence: String,
    /// The built-in strategy for lookup questions, a program run after repeats.
    pub strategy_lookup: String,
    /// The built-in strategy for counting questions.
    pub strategy_count: String,
    /// The lines a counting question counts, selected by program, in the
    /// first message (counting by program).
    pub count_evidence: String,
    /// The built-in strategy for counting questions that counts by program.
    pub strategy_count_lines: String,
    /// The notes (`notes.toml`).
    pub notes: HelpNotes,
}

/// The short texts of this crate's `prompts/notes.toml`, one field per key
/// (see the file for each one's placeholders).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpNotes {
    pub teaching_hits: String,
    pub teaching_nothing: String,
    pub teaching_own_words: String,
    pub passage_line: String,
    pub count_window_both: String,
    pub count_window_since: String,
    pub count_window_until: String,
    pub count_shown_first: String,
    pub output_evidence: String,
    pub output_line: String,
    pub count_check: String,
    pub final_count_unprinted: String,
    pub final_count_suggested: String,
    pub final_count_contradicts: String,
}

impl HelpNotes {
    /// The keys of the notes, as in the file.
    pub const KEYS: [&str; 14] = [
        "teaching_hits",
        "teaching_nothing",
        "teaching_own_words",
        "passage_line",
        "count_window_both",
        "count_window_since",
        "count_window_until",
        "count_shown_first",
        "output_evidence",
        "output_line",
        "count_check",
        "final_count_unprinted",
        "final_count_suggested",
        "final_count_contradicts",
    ];

    /// The embedded notes, with the keys of `table` that are notes of the
    /// helps replacing theirs (other keys are left to their owner).
    pub fn with_overrides(table: &toml::Table) -> Result<HelpNotes, HelpsError> {
        let mut notes: toml::Table =
            toml::from_str(DEFAULT_NOTES).map_err(|e| HelpsError::Notes(e.to_string()))?;
        for (key, value) in table {
            if Self::KEYS.contains(&key.as_str()) {
                notes.insert(key.clone(), value.clone());
            }
        }
        notes.try_into().map_err(|e: toml::de::Error| HelpsError::Notes(e.to_string()))
    }
}

impl Default for HelpNotes {
    /// The embedded notes, parsed once per process and cloned (see
    /// `rlm_prompts::Notes::default`).
    fn default() -> Self {
        static EMBEDDED: LazyLock<HelpNotes> = LazyLock::new(|| {
            // Checked by `every_default_text_is_embedded_and_the_notes_parse` below.
            HelpNotes::with_overrides(&toml::Table::new()).unwrap_or_else(|e| {
                unreachable!("the embedded rlm-helps prompts/notes.toml does not parse: {e}")
            })
        });
        EMBEDDED.clone()
    }
}

impl Default for HelpPrompts {
    fn default() -> Self {
        HelpPrompts {
            passage_evidence: include_str!("../prompts/passage_evidence.md").to_string(),
            strategy_lookup: include_str!("../prompts/strategy_lookup.py").to_string(),
            strategy_count: include_str!("../prompts/strategy_count.py").to_string(),
            count_evidence: include_str!("../prompts/count_evidence.md").to_string(),
            strategy_count_lines: include_str!("../prompts/strategy_count_lines.py").to_string(),
            notes: HelpNotes::default(),
        }
    }
}

impl HelpPrompts {
    /// Replaces the template of `file` (a name of [`HELP_PROMPT_FILES`]) by
    /// `text`; `false` when `file` is no template of the helps.
    pub fn replace(&mut self, file: &str, text: String) -> bool {
        match HELP_PROMPT_FILES.iter().position(|f| *f == file) {
            Some(i) => {
                *self.field_mut(i) = text;
                true
            }
            None => false,
        }
    }

    fn field_mut(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.passage_evidence,
            1 => &mut self.strategy_lookup,
            2 => &mut self.strategy_count,
            3 => &mut self.count_evidence,
            _ => &mut self.strategy_count_lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_text_is_embedded_and_the_notes_parse() {
        let p = HelpPrompts::default();
        for (i, name) in HELP_PROMPT_FILES.iter().enumerate() {
            let mut q = p.clone();
            assert!(!q.field_mut(i).trim().is_empty(), "{name} is empty");
        }
        let table: toml::Table = toml::from_str(DEFAULT_NOTES).unwrap();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = HelpNotes::KEYS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
        let mut q = p.clone();
        assert!(q.replace("count_evidence.md", "x".into()) && q.count_evidence == "x");
        assert!(!q.replace("system.md", "x".into()));
    }

    #[test]
    fn overrides_replace_only_help_notes() {
        let table: toml::Table =
            toml::from_str("count_check = \"Printed {{printed}}.\"\nno_output = \"x\"\n").unwrap();
        let notes = HelpNotes::with_overrides(&table).unwrap();
        assert_eq!(notes.count_check, "Printed {{printed}}.");
        assert_eq!(notes.output_line, HelpNotes::default().output_line);
    }
}
