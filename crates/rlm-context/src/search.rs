//! Search: literal (`memchr::memmem`) and regex (the linear-time `regex` crate), returning
//! code-point positions, the matched text and a snippet around each match, with result caps.

use memchr::memmem;

use crate::context::{Context, ContextLimits};
use crate::error::{ContextError, Result};
use crate::index::count_char_starts;
use crate::view::TextView;

/// Gaps shorter than this are counted directly; longer ones go through the index.
const DIRECT_COUNT_BYTES: usize = 64 * 1024;
/// Compiled-program size limit for user regexes (bounds compile time and memory).
const REGEX_SIZE_LIMIT: usize = 16 * 1024 * 1024;

/// How to search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindOptions {
    /// Treat the pattern as a regular expression (Rust `regex` syntax, close to Python's `re`
    /// without look-around and back-references).
    pub regex: bool,
    /// Match case-insensitively (Unicode simple case folding).
    pub case_insensitive: bool,
    /// Return at most this many matches (None: the context's default; clamped to its cap).
    pub max_matches: Option<usize>,
    /// Code points of surrounding text to include on each side in each match's snippet.
    pub snippet_chars: u64,
}

impl FindOptions {
    /// Literal search with defaults.
    pub fn literal() -> Self {
        Self::default()
    }

    /// Regex search with defaults.
    pub fn regex() -> Self {
        Self { regex: true, ..Self::default() }
    }

    /// Sets the match cap.
    #[must_use]
    pub fn max_matches(mut self, max: usize) -> Self {
        self.max_matches = Some(max);
        self
    }

    /// Sets the snippet radius.
    #[must_use]
    pub fn snippet_chars(mut self, chars: u64) -> Self {
        self.snippet_chars = chars;
        self
    }

    /// Sets case-insensitive matching.
    #[must_use]
    pub fn case_insensitive(mut self, yes: bool) -> Self {
        self.case_insensitive = yes;
        self
    }
}

/// One match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Code-point position of the first matched code point (within the searched text).
    pub start: u64,
    /// Code-point position just past the match.
    pub end: u64,
    /// The matched text (a view).
    pub text: TextView,
    /// Code-point position where the snippet starts.
    pub snippet_start: u64,
    /// The match with up to `snippet_chars` code points of context on each side (a view).
    pub snippet: TextView,
}

/// The matches of one search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindResult {
    /// Matches in text order, non-overlapping.
    pub matches: Vec<Match>,
    /// True when more matches exist than were returned.
    pub truncated: bool,
    /// Bytes of text the search examined (for charging work to the caller).
    pub bytes_scanned: usize,
}

/// A compiled pattern, reusable across searches.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A literal byte string.
    Literal(Box<memmem::Finder<'static>>),
    /// A regular expression.
    Regex(regex::Regex),
}

impl Pattern {
    /// Compiles `pattern` as `options` ask. An empty literal pattern is an error (it would match
    /// everywhere); so is a pattern longer than the limit.
    pub fn compile(pattern: &str, options: &FindOptions, limits: &ContextLimits) -> Result<Self> {
        if pattern.len() > limits.max_pattern_bytes {
            return Err(ContextError::InvalidArgument(format!(
                "search pattern is {} bytes; the limit is {}",
                pattern.len(),
                limits.max_pattern_bytes
            )));
        }
        if !options.regex && pattern.is_empty() {
            return Err(ContextError::InvalidArgument(
                "empty search pattern (it would match at every position)".into(),
            ));
        }
        if options.regex || options.case_insensitive {
            let source = if options.regex { pattern.to_string() } else { regex::escape(pattern) };
            let compiled = regex::RegexBuilder::new(&source)
                .case_insensitive(options.case_insensitive)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|error| ContextError::InvalidRegex {
                    pattern: pattern.to_string(),
                    message: error.to_string(),
                })?;
            Ok(Self::Regex(compiled))
        } else {
            Ok(Self::Literal(Box::new(memmem::Finder::new(pattern.as_bytes()).into_owned())))
        }
    }

    /// Byte ranges of non-overlapping matches in `text`, in order.
    fn byte_matches<'a>(
        &'a self,
        text: &'a str,
    ) -> Box<dyn Iterator<Item = std::ops::Range<usize>> + 'a> {
        match self {
            Self::Literal(finder) => {
                let len = finder.needle().len();
                Box::new(finder.find_iter(text.as_bytes()).map(move |start| start..start + len))
            }
            Self::Regex(regex) => Box::new(regex.find_iter(text).map(|m| m.range())),
        }
    }
}

/// Converts increasing byte offsets of one view into code-point positions, counting short gaps
/// directly and using the index for long ones.
struct PositionCursor<'v> {
    view: &'v TextView,
    byte: usize,
    char: u64,
}

impl<'v> PositionCursor<'v> {
    fn new(view: &'v TextView) -> Self {
        Self { view, byte: 0, char: 0 }
    }

    fn char_at(&mut self, byte: usize) -> u64 {
        if byte >= self.byte && byte - self.byte <= DIRECT_COUNT_BYTES {
            self.char += count_char_starts(&self.view.as_bytes()[self.byte..byte]) as u64;
        } else {
            self.char = self.view.byte_to_char(byte);
        }
        self.byte = byte;
        self.char
    }
}

impl TextView {
    /// Finds `pattern` in this view; positions are relative to this view.
    pub fn find(
        &self,
        pattern: &str,
        options: &FindOptions,
        limits: &ContextLimits,
    ) -> Result<FindResult> {
        let compiled = Pattern::compile(pattern, options, limits)?;
        Ok(self.find_compiled(&compiled, options, limits))
    }

    /// Finds a compiled pattern in this view.
    pub fn find_compiled(
        &self,
        pattern: &Pattern,
        options: &FindOptions,
        limits: &ContextLimits,
    ) -> FindResult {
        let cap = options.max_matches.unwrap_or(limits.default_max_matches).min(limits.max_matches);
        let radius = options.snippet_chars.min(limits.max_snippet_chars);
        let text = self.as_str();
        let mut cursor = PositionCursor::new(self);
        let mut matches = Vec::with_capacity(cap.min(1024));
        let mut truncated = false;
        let mut bytes_scanned = text.len();
        for range in pattern.byte_matches(text) {
            if matches.len() == cap {
                truncated = true;
                bytes_scanned = range.end;
                break;
            }
            let start = cursor.char_at(range.start);
            let end = cursor.char_at(range.end);
            let matched = self.sub_known(range, start..end);
            let snippet_start = start.saturating_sub(radius);
            let snippet_end = end.saturating_add(radius).min(self.len_chars());
            let snippet =
                if radius == 0 { matched.clone() } else { self.sub(snippet_start, snippet_end) };
            matches.push(Match { start, end, text: matched, snippet_start, snippet });
        }
        if cap == 0 {
            truncated = pattern.byte_matches(text).next().is_some();
        }
        FindResult { matches, truncated, bytes_scanned }
    }

    /// Counts all non-overlapping matches of `pattern` (no cap: nothing is kept per match).
    pub fn count_matches(
        &self,
        pattern: &str,
        options: &FindOptions,
        limits: &ContextLimits,
    ) -> Result<u64> {
        let compiled = Pattern::compile(pattern, options, limits)?;
        Ok(compiled.byte_matches(self.as_str()).count() as u64)
    }
}

/// The page marker pyrlm-runtime's `page()` looks for by default (`<!-- Page 12 -->`).
pub const DEFAULT_PAGE_MARKER: &str = r"<!-- Page (\d+) -->";

impl TextView {
    /// The text of page `number`: from the end of the marker whose first capture group reads
    /// `number` to the start of the next marker (or the end of the text). `None` when no marker
    /// has that number. `marker_pattern` must have one capture group holding the page number.
    pub fn page(
        &self,
        number: u64,
        marker_pattern: &str,
        limits: &ContextLimits,
    ) -> Result<Option<TextView>> {
        let options = FindOptions::regex();
        let Pattern::Regex(marker) = Pattern::compile(marker_pattern, &options, limits)? else {
            return Ok(None);
        };
        if marker.captures_len() < 2 {
            return Err(ContextError::InvalidArgument(format!(
                "page marker {marker_pattern:?} needs a capture group around the page number"
            )));
        }
        let text = self.as_str();
        let mut target_end = None;
        for captures in marker.captures_iter(text) {
            let (Some(whole), Some(group)) = (captures.get(0), captures.get(1)) else { continue };
            if let Some(start) = target_end {
                let (start_char, end_char) =
                    (self.byte_to_char(start), self.byte_to_char(whole.start()));
                return Ok(Some(self.sub_known(start..whole.start(), start_char..end_char)));
            }
            if group.as_str().parse::<u64>().ok() == Some(number) {
                target_end = Some(whole.end());
            }
        }
        Ok(target_end.map(|start| {
            let start_char = self.byte_to_char(start);
            self.sub_known(start..text.len(), start_char..self.len_chars())
        }))
    }
}

impl Context {
    /// `ctx.page(n)`: the text of page `n` between page markers (see [`TextView::page`]);
    /// `marker_pattern` defaults to [`DEFAULT_PAGE_MARKER`].
    pub fn page(&self, number: u64, marker_pattern: Option<&str>) -> Result<Option<TextView>> {
        self.text().page(number, marker_pattern.unwrap_or(DEFAULT_PAGE_MARKER), self.limits())
    }

    /// Finds `pattern` in the whole text (`ctx.find(pattern, regex=False)`), with this context's
    /// limits. Positions are code-point indices into `P`.
    pub fn find(&self, pattern: &str, options: &FindOptions) -> Result<FindResult> {
        self.text().find(pattern, options, self.limits())
    }

    /// Counts all non-overlapping matches of `pattern` in the whole text.
    pub fn count_matches(&self, pattern: &str, options: &FindOptions) -> Result<u64> {
        self.text().count_matches(pattern, options, self.limits())
    }
}
