//! CPython's pattern syntax written for the engines: `\Z`, `\s` (which
//! holds `\x1c-\x1f` in sre), a literal `[` in a class, `(?P=name)`, `{,n}`,
//! sre's bare `$` where asked, and `re.ASCII`'s classes.

use crate::modules::re::rewrite::Dollar;

/// How a pattern is translated.
#[derive(Clone, Copy, Debug)]
pub(super) struct Translation {
    pub(super) dollar: Dollar,
    /// `re.ASCII`: `\w`, `\d`, `\s` and `\b` over ASCII only.
    pub(super) ascii: bool,
    /// For the backtracking engine, which cannot switch Unicode off inline
    /// (its ASCII `\b` is written with lookarounds).
    pub(super) fancy: bool,
    /// For the twin that runs over ASCII text only (`ascii_twin.rs`),
    /// compiled with Unicode off: the classes as sre's Unicode ones match
    /// there (`\s` still holds `\x1c-\x1f`), `\b` the engine's own.
    pub(super) ascii_text: bool,
    /// For an empty text, where sre's `\B` never matches (3.11): written as
    /// a class that matches nothing.
    pub(super) empty_text: bool,
}

/// ASCII word characters, digits and whitespace as sre's `re.ASCII` has
/// them (`\s`: space, `\t\n\r\f\v`).
const ASCII_WORD: &str = "0-9A-Za-z_";
const ASCII_DIGIT: &str = "0-9";
const ASCII_SPACE: &str = "\\x20\\t\\n\\r\\x0c\\x0b";

/// Python's Unicode `\w`: `str.isalnum()` or `_` (letters and every
/// numeric, `²` and `Ⅷ` too). The engines' own adds the combining marks and
/// connector punctuation (`\w+` read `e\u0301t` as one word where sre reads two).
const UNICODE_WORD: &str = "\\p{L}\\p{N}_";

/// Python's `\s`: `str.isspace()`, which also holds `\x1c-\x1f` (the
/// engines' is Unicode's White_Space, without them).
const UNICODE_SPACE: &str = "\\s\\x1c-\\x1f";

/// Python's `\s` over ASCII text: `str.isspace()`'s ASCII characters.
const ASCII_TEXT_SPACE: &str = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f\\x20";

/// A class no character is in (`\B` in an empty text).
const NOTHING: &str = "[^\\x00-\\x{10FFFF}]";

/// Writes the escape at `chars[i]` (a backslash followed by a character)
/// for the engines; returns how many characters it took.
fn push_escape(
    out: &mut String,
    chars: &[char],
    i: usize,
    in_class: bool,
    how: Translation,
) -> usize {
    let n = chars[i + 1];
    match n {
        'Z' if !in_class => out.push_str("\\z"),
        'B' if how.empty_text && !in_class => out.push_str(NOTHING),
        'w' | 'W' | 'd' | 'D' | 's' | 'S' if how.ascii_text => {
            let set = match n.to_ascii_lowercase() {
                'w' => ASCII_WORD,
                'd' => ASCII_DIGIT,
                _ => ASCII_TEXT_SPACE,
            };
            push_class(out, set, n.is_ascii_uppercase(), in_class)
        }
        'w' | 'W' | 'd' | 'D' | 's' | 'S' if how.ascii => {
            push_ascii_escape(out, n, in_class, how.fancy)
        }
        'b' | 'B' if how.ascii && !in_class => push_ascii_escape(out, n, in_class, how.fancy),
        's' | 'S' => push_class(out, UNICODE_SPACE, n == 'S', in_class),
        'w' | 'W' => push_class(out, UNICODE_WORD, n == 'W', in_class),
        '0'..='7' => {
            if let Some(taken) = push_octal(out, chars, i, in_class) {
                return taken;
            }
            out.push('\\');
            out.push(n);
        }
        _ => {
            out.push('\\');
            out.push(n);
        }
    }
    2
}

/// sre's octal escapes, written as `\x{..}`: `\0` and up to two more octal
/// digits, or three octal digits (`\101`); in a class, one to three. Else
/// (`\1`, `\12` outside a class) a group reference: `None`.
fn push_octal(out: &mut String, chars: &[char], i: usize, in_class: bool) -> Option<usize> {
    let is_octal = |k: usize| chars.get(k).is_some_and(|c| ('0'..='7').contains(c));
    let digits = if in_class || chars[i + 1] == '0' {
        1 + (1..3).take_while(|&d| is_octal(i + 1 + d)).count()
    } else if is_octal(i + 2) && is_octal(i + 3) {
        3
    } else {
        return None;
    };
    let text: String = chars[i + 1..i + 1 + digits].iter().collect();
    let value = u32::from_str_radix(&text, 8).ok()?;
    out.push_str(&format!("\\x{{{value:X}}}"));
    Some(1 + digits)
}

/// A class `set` (the inside of `[...]`), or its complement, where a class
/// escape stood.
fn push_class(out: &mut String, set: &str, negated: bool, in_class: bool) {
    match (in_class, negated) {
        (true, false) => out.push_str(set),
        (_, true) => {
            out.push_str("[^");
            out.push_str(set);
            out.push(']');
        }
        (false, false) => {
            out.push('[');
            out.push_str(set);
            out.push(']');
        }
    }
}

/// `\w`, `\W`, `\d`, `\D`, `\s`, `\S`, `\b` or `\B` under `re.ASCII`.
fn push_ascii_escape(out: &mut String, n: char, in_class: bool, fancy: bool) {
    let (set, negated) = match n {
        'w' | 'W' => (ASCII_WORD, n == 'W'),
        'd' | 'D' => (ASCII_DIGIT, n == 'D'),
        's' | 'S' => (ASCII_SPACE, n == 'S'),
        _ => return push_ascii_boundary(out, n == 'B', fancy),
    };
    push_class(out, set, negated, in_class)
}

/// An ASCII word boundary (or its negation): the linear engine's own with
/// Unicode off, or lookarounds for the backtracking engine.
fn push_ascii_boundary(out: &mut String, negated: bool, fancy: bool) {
    out.push_str(match (fancy, negated) {
        (false, false) => "(?-u:\\b)",
        (false, true) => "(?-u:\\B)",
        // A word character on one side only (`\b`), or on both or neither.
        (true, false) => "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))",
        (true, true) => "(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))",
    });
}

pub(super) fn translate(p: &str, how: Translation) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            i += push_escape(&mut out, &chars, i, in_class, how);
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            } else if c == '[' {
                // A literal '[' inside a class must be escaped for the regex crate.
                out.push('\\');
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if i < chars.len() && chars[i] == '^' {
                    out.push('^');
                    i += 1;
                }
                if i < chars.len() && chars[i] == ']' {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?')
                && chars.get(i + 2) == Some(&'P')
                && chars.get(i + 3) == Some(&'=') =>
            {
                // (?P=name) -> \k<name>
                let mut j = i + 4;
                let mut name = String::new();
                while j < chars.len() && chars[j] != ')' {
                    name.push(chars[j]);
                    j += 1;
                }
                out.push_str(&format!("\\k<{name}>"));
                i = j + 1;
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'(') => {
                // A conditional on a group's name, `(?(name)`: the
                // backtracking engine reads `(?(<name>)` (a number as is).
                let Some(len) = chars[i + 3..].iter().position(|&c| c == ')') else {
                    out.push(c);
                    i += 1;
                    continue;
                };
                let name: String = chars[i + 3..i + 3 + len].iter().collect();
                if name.chars().all(|c| c.is_ascii_digit()) {
                    out.push_str(&format!("(?({name})"));
                } else {
                    out.push_str(&format!("(?(<{name}>)"));
                }
                i += 4 + len;
                continue;
            }
            // Called with `Lookahead` only when every `$` is sre's bare one
            // (`rewrite::has_bare_dollar`).
            '$' if how.dollar == Dollar::Lookahead => out.push_str("(?=\\n?\\z)"),
            '{' if chars.get(i + 1) == Some(&',') => {
                out.push_str("{0,");
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}
