//! The short helpers a small model reads the context with: `grep` (the text
//! around each occurrence of a term) and the lines a pattern matches inside a
//! date window (what `count_lines` counts and `find_lines` lists). Both scan
//! the whole text once, so the caller charges work by [`Context::as_str`]'s
//! length before calling.

use regex::RegexBuilder;

use crate::context::Context;
use crate::counting::select_lines;
use crate::dates::DateWindow;
use crate::error::{ContextError, Result};

/// Most hits [`Context::grep`] returns.
pub const GREP_MAX_HITS: usize = 20;

/// Compiled-size limit of a line pattern (a model's pattern must not build a
/// huge automaton).
const LINE_PATTERN_SIZE_LIMIT: usize = 1 << 22;

impl Context {
    /// The text around each of the first [`GREP_MAX_HITS`] occurrences of
    /// `term` (ASCII and Unicode case folded): a quarter of `width` bytes
    /// before its start, the rest after (at least to its end), widened to
    /// character boundaries. `term` is matched literally.
    pub fn grep(&self, term: &str, width: usize) -> Result<Vec<&str>> {
        if term.trim().is_empty() {
            return Err(ContextError::InvalidArgument("the term is empty".into()));
        }
        let hay = self.as_str();
        let re = RegexBuilder::new(&regex::escape(term)).case_insensitive(true).build().map_err(
            |error| ContextError::InvalidRegex { pattern: term.into(), message: error.to_string() },
        )?;
        let before = width / 4;
        let after = width - before;
        let mut out = Vec::new();
        for m in re.find_iter(hay).take(GREP_MAX_HITS) {
            let mut a = m.start().saturating_sub(before);
            while !hay.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = (m.start() + after).max(m.end()).min(hay.len());
            while !hay.is_char_boundary(b) {
                b += 1;
            }
            out.push(&hay[a..b]);
        }
        Ok(out)
    }

    /// The lines the regular expression `pattern` matches (any case), inside
    /// `window` when given (a line counts when its first date is in it).
    pub fn matching_lines(&self, pattern: &str, window: Option<&DateWindow>) -> Result<Vec<&str>> {
        let re = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(LINE_PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|error| ContextError::InvalidRegex {
                pattern: pattern.into(),
                message: error.to_string(),
            })?;
        Ok(select_lines(self.as_str(), &re, window))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Context, ContextError, DateWindow, parse_stamp};

    #[test]
    fn grep_shows_the_text_around_each_occurrence_in_any_case() {
        let ctx = Context::from_text("alpha Needle beta\nx needle y\n");
        let hits = ctx.grep("NEEDLE", 8).unwrap();
        assert_eq!(hits, vec!["a Needle", "x needle"]);
        assert!(matches!(ctx.grep("  ", 8), Err(ContextError::InvalidArgument(_))));
        let many = Context::from_text("ab ".repeat(50));
        assert_eq!(many.grep("ab", 2).unwrap().len(), super::GREP_MAX_HITS);
    }

    #[test]
    fn grep_widens_to_character_boundaries() {
        let ctx = Context::from_text("日本語 key 日本語");
        assert_eq!(ctx.grep("key", 8).unwrap(), vec!["語 key 日"]);
    }

    #[test]
    fn matching_lines_filter_by_pattern_and_date_window() {
        let ctx = Context::from_text(
            "2026-03-03 LOGIN_FAILED a\n2026-03-04 login_failed b\n2026-03-05 OK\n2026-03-06 LOGIN_FAILED c\n",
        );
        assert_eq!(ctx.matching_lines("login_failed", None).unwrap().len(), 3);
        let window =
            DateWindow { since: parse_stamp("2026-03-04"), until: parse_stamp("2026-03-05") };
        assert_eq!(
            ctx.matching_lines("LOGIN_FAILED", Some(&window)).unwrap(),
            vec!["2026-03-04 login_failed b"]
        );
        assert!(matches!(ctx.matching_lines("(", None), Err(ContextError::InvalidRegex { .. })));
    }
}
