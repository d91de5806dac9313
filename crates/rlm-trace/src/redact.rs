//! Redaction: secrets never reach a trace.
//!
//! A [`Redactor`] holds the strings that must never be recorded (API keys,
//! tokens, passwords) and optional custom hooks; the recorder applies it to
//! every string of every event *before* the event is stored, shown to a
//! listener or truncated, so a secret cannot survive by being cut in half.

use std::sync::Arc;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// A custom redaction step: rewrites a string in place.
pub type RedactHook = Arc<dyn Fn(&mut String) + Send + Sync>;

/// Replaces secrets in recorded text.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    hooks: Vec<RedactHook>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets themselves.
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Never record `secret`. Empty strings are ignored (they would match
    /// everywhere). Short secrets are honoured but also replace innocent
    /// occurrences of the same characters.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.add_secret(secret);
        self
    }

    /// In-place form of [`Redactor::secret`].
    pub fn add_secret(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if !secret.is_empty() && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Never record the values of these environment variables (those that are set).
    pub fn env_secrets<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            if let Ok(value) = std::env::var(name) {
                self.add_secret(value);
            }
        }
        self
    }

    /// Add a custom step (e.g. a pattern for bearer tokens), run after the secrets.
    pub fn hook(mut self, hook: impl Fn(&mut String) + Send + Sync + 'static) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Whether this redactor does nothing.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.hooks.is_empty()
    }

    /// Redact `text` in place.
    pub fn redact(&self, text: &mut String) {
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), REDACTED);
            }
        }
        for hook in &self.hooks {
            hook(text);
        }
    }
}

/// Cut `text` to at most `max_chars` characters (on a char boundary), marking
/// how much was cut.
pub(crate) fn truncate(text: &mut String, max_chars: usize) {
    // A char is at least one byte: a text no longer in bytes is never cut,
    // and most are that short, so the char walk below is skipped.
    if text.len() <= max_chars {
        return;
    }
    if let Some((byte_idx, _)) = text.char_indices().nth(max_chars) {
        let dropped = text[byte_idx..].chars().count();
        text.truncate(byte_idx);
        text.push_str(&format!("…[{dropped} more chars]"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let r = Redactor::new().secret("sk-abc").secret("sk-abcdef").secret("");
        let mut s = "key sk-abcdef and sk-abc, again sk-abcdef".to_string();
        r.redact(&mut s);
        assert_eq!(s, "key [REDACTED] and [REDACTED], again [REDACTED]");
        assert!(!format!("{r:?}").contains("sk-"));
    }

    #[test]
    fn hooks_run_after_secrets() {
        let r =
            Redactor::new().hook(|s: &mut String| *s = s.replace("Bearer ", "Bearer <hidden> "));
        let mut s = "Authorization: Bearer xyz".to_string();
        r.redact(&mut s);
        assert_eq!(s, "Authorization: Bearer <hidden> xyz");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        let mut s = "héllo wörld".to_string();
        truncate(&mut s, 4);
        assert_eq!(s, "héll…[7 more chars]");
        let mut short = "abc".to_string();
        truncate(&mut short, 3);
        assert_eq!(short, "abc");
    }
}
