//! `Secret`: an API key or bearer token that never prints itself, and the
//! scrubbing that removes secrets from provider messages before they reach an
//! error, a log or a trace.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// A credential. `Debug` and `Display` print `***`; the value is reachable only
/// through [`Secret::expose`], which the adapters call when building a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The raw value, for an HTTP header. Never log what this returns.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

/// Shapes of credentials that providers echo back in error bodies, caught even
/// when the exact key is not known to the scrubber (e.g. a key from another
/// configuration echoed by a proxy).
static KEY_SHAPES: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:sk-(?:ant-|proj-|or-)?[A-Za-z0-9_\-]{12,})",
        r"|(?:AIza[0-9A-Za-z_\-]{20,})",
        r"|(?:(?i:bearer)\s+[A-Za-z0-9_\-\.=]{12,})",
        r"|(?:(?i:(?:api[_-]?key|key|token|access_token)=)[^&\s\x22']{6,})",
    ))
    .ok()
});

/// Removes every known secret and every key-shaped token from `text`.
///
/// Exact secrets shorter than 4 characters are ignored: replacing a one-letter
/// "key" would mangle the message without protecting anything.
pub fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.0.len() >= 4 && out.contains(&s.0) {
            out = out.replace(&s.0, "***");
        }
    }
    if let Some(re) = KEY_SHAPES.as_ref() {
        if re.is_match(&out) {
            out = re.replace_all(&out, "***").into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("sk-live-123456789");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "sk-live-123456789");
    }

    #[test]
    fn scrub_removes_known_and_shaped_keys() {
        let k = Secret::new("my-weird-key-42");
        let msg = "Incorrect API key provided: my-weird-key-42. Also sk-proj-ABCDEFGHIJKLMNOP \
                   and AIzaSyA1234567890abcdefghijk and Bearer abcdefghijklmnop and ?key=zzzzzzzz&x=1";
        let out = scrub(msg, &[&k]);
        for leaked in [
            "my-weird-key-42",
            "sk-proj-ABCDEFGHIJKLMNOP",
            "AIzaSyA1234567890abcdefghijk",
            "abcdefghijklmnop",
            "zzzzzzzz",
        ] {
            assert!(!out.contains(leaked), "{leaked} leaked in {out}");
        }
        assert!(out.starts_with("Incorrect API key provided: ***"));
        assert_eq!(scrub("plain message", &[]), "plain message");
    }
}
