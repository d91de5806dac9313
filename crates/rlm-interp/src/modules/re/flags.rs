//! The `re` module's flags (`re.I`, `re.M`...), CPython's values: read by
//! the engine that compiles patterns and by a pattern's attributes, apart
//! from the module's table (`mod.rs`), which names the functions that name
//! the engine (issue #59: `re`'s circle).

pub(crate) const IGNORECASE: i64 = 2;
pub(crate) const LOCALE: i64 = 4;
pub(crate) const MULTILINE: i64 = 8;
pub(crate) const DOTALL: i64 = 16;
pub(crate) const UNICODE: i64 = 32;
pub(crate) const VERBOSE: i64 = 64;
pub(crate) const ASCII: i64 = 256;
pub(crate) const TEMPLATE: i64 = 1;
pub(crate) const DEBUG: i64 = 128;

/// The flags' names in `re.RegexFlag`'s order, which its repr follows.
const NAMES: [(i64, &str); 9] = [
    (ASCII, "ASCII"),
    (IGNORECASE, "IGNORECASE"),
    (LOCALE, "LOCALE"),
    (UNICODE, "UNICODE"),
    (MULTILINE, "MULTILINE"),
    (DOTALL, "DOTALL"),
    (VERBOSE, "VERBOSE"),
    (TEMPLATE, "TEMPLATE"),
    (DEBUG, "DEBUG"),
];

/// CPython's repr of a combination of flags: `re.IGNORECASE|re.DOTALL`, the
/// bits no flag names in hex after them (`re.IGNORECASE|0x100000`).
pub(crate) fn flags_repr(flags: i64) -> String {
    let mut parts: Vec<String> = NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| format!("re.{name}"))
        .collect();
    let known = NAMES.iter().fold(0, |a, (bit, _)| a | bit);
    let rest = flags & !known;
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() { "re.NOFLAG".to_string() } else { parts.join("|") }
}

/// The flags a pattern's leading `(?aiLmsux)` groups turn on (sre reads
/// global flags at the start only).
pub(crate) fn inline_flags(source: &str) -> i64 {
    let mut flags = 0;
    let mut rest = source;
    while let Some(body) = rest.strip_prefix("(?") {
        let Some(end) = body.find(')') else { break };
        let letters = &body[..end];
        let mut these = 0;
        for c in letters.chars() {
            these |= match c {
                'a' => ASCII,
                'i' => IGNORECASE,
                'L' => LOCALE,
                'm' => MULTILINE,
                's' => DOTALL,
                'u' => UNICODE,
                'x' => VERBOSE,
                _ => return flags,
            };
        }
        if letters.is_empty() {
            break;
        }
        flags |= these;
        rest = &body[end + 1..];
    }
    flags
}

/// A str pattern's `flags`: as given, its leading inline flags, and
/// `re.UNICODE` unless `re.ASCII` or `re.LOCALE` is on.
pub(crate) fn pattern_flags(given: i64, source: &str) -> i64 {
    let flags = given | inline_flags(source);
    if flags & (ASCII | LOCALE) == 0 { flags | UNICODE } else { flags }
}
