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
}

/// ASCII word characters, digits and whitespace as sre's `re.ASCII` has
/// them (`\s`: space, `\t\n\r\f\v`).
const ASCII_WORD: &str = "0-9A-Za-z_";
const ASCII_DIGIT: &str = "0-9";
const ASCII_SPACE: &str = "\\x20\\t\\n\\r\\x0c\\x0b";

/// `\w`, `\W`, `\d`, `\D`, `\s`, `\S`, `\b` or `\B` under `re.ASCII`.
fn push_ascii_escape(out: &mut String, n: char, in_class: bool, fancy: bool) {
    let (set, negated) = match n {
        'w' | 'W' => (ASCII_WORD, n == 'W'),
        'd' | 'D' => (ASCII_DIGIT, n == 'D'),
        's' | 'S' => (ASCII_SPACE, n == 'S'),
        _ => return push_ascii_boundary(out, n == 'B', fancy),
    };
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

/// An ASCII word boundary (or its negation): the linear engine's own with
/// Unicode off, or lookarounds for the backtracking engine.
fn push_ascii_boundary(out: &mut String, negated: bool, fancy: bool) {
    let w = "[0-9A-Za-z_]";
    out.push_str(match (fancy, negated) {
        (false, false) => "(?-u:\\b)",
        (false, true) => "(?-u:\\B)",
        _ => "",
    });
    if fancy {
        let (before, after) = (format!("(?<={w})"), format!("(?={w})"));
        let (not_before, not_after) = (format!("(?<!{w})"), format!("(?!{w})"));
        if negated {
            out.push_str(&format!("(?:{before}{after}|{not_before}{not_after})"));
        } else {
            out.push_str(&format!("(?:{before}{not_after}|{not_before}{after})"));
        }
    }
}

pub(super) fn translate(p: &str, how: Translation) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if !in_class && n == 'Z' {
                out.push_str("\\z");
            } else if how.ascii && ("wWdDsS".contains(n) || (!in_class && "bB".contains(n))) {
                push_ascii_escape(&mut out, n, in_class, how.fancy);
            } else if n == 's' || n == 'S' {
                // Python's \s is str.isspace, which also holds \x1c-\x1f
                // (the regex crate's is Unicode White_Space, without them).
                let class = if n == 's' { "[\\s\\x1c-\\x1f]" } else { "[^\\s\\x1c-\\x1f]" };
                if in_class && n == 's' {
                    out.push_str("\\s\\x1c-\\x1f");
                } else {
                    out.push_str(class);
                }
            } else {
                out.push('\\');
                out.push(n);
            }
            i += 2;
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
