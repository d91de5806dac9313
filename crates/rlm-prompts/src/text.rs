//! Small text helpers for what the loop shows the model and reads back from
//! it: cutting long output, Python string literals, quotes, digit grouping.

/// Keeps the head and tail of a long text, saying how much was cut.
pub fn truncate_middle(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text.to_string();
    }
    let head = max_chars * 3 / 5;
    let tail = max_chars - head;
    let head_end = text.char_indices().nth(head).map(|(i, _)| i).unwrap_or(text.len());
    let tail_start = text.char_indices().nth(total - tail).map(|(i, _)| i).unwrap_or(text.len());
    format!(
        "{}\n... [{} characters cut] ...\n{}",
        &text[..head_end],
        total - head - tail,
        &text[tail_start..]
    )
}

/// A prose reply without its fence lines (a model asked for an answer may
/// wrap it in a code block; the answer is the text, not the block).
pub fn plain_text(reply: &str) -> String {
    let mut kept = Vec::new();
    let mut after_fence = false;
    for line in reply.lines() {
        if line.trim_start().starts_with("```") {
            after_fence = true;
            continue;
        }
        // A fence's language on its own line (```` ``` ```` then `repl`) is
        // not text: a 1.5B model's empty block was taken as the answer "repl".
        let language_line = after_fence && crate::extract::is_code_language(line);
        after_fence = false;
        if !language_line {
            kept.push(line);
        }
    }
    kept.join("\n").trim().to_string()
}

pub use rlm_helps::strip_quotes;

/// A Python string literal for `s`.
pub fn py_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// No names outside string literals: a constant the model could have invented.
pub fn is_literal(expr: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut prev_escape = false;
    for c in expr.chars() {
        if let Some(q) = quote {
            if prev_escape {
                prev_escape = false;
            } else if c == '\\' {
                prev_escape = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        } else if c.is_alphabetic() || c == '_' {
            return false;
        }
    }
    true
}

/// `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_head_and_tail() {
        let t: String = (0..1000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let cut = truncate_middle(&t, 100);
        assert!(cut.starts_with(&t[..60]) && cut.ends_with(&t[960..]));
        assert!(cut.contains("[900 characters cut]"));
        assert_eq!(truncate_middle("short", 100), "short");
        assert_eq!(
            truncate_middle("héllo wörld ünïcode", 10).chars().filter(|c| *c == 'é').count(),
            1
        );
    }

    #[test]
    fn literals_and_quotes() {
        assert!(is_literal("42") && is_literal("'Paris'") && is_literal("\"a (b)\""));
        assert!(!is_literal("answer") && !is_literal("len(x)") && !is_literal("f'{x}'"));
        assert_eq!(strip_quotes(" 'Paris' "), "Paris");
        assert_eq!(strip_quotes("\"\"\"x\"\"\""), "x");
        assert_eq!(py_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(plain_text("```\nThe passphrase is x.\n```\n"), "The passphrase is x.");
        assert_eq!(plain_text("```\nrepl\n```"), "");
        assert_eq!(plain_text("```\nPython\n```\n"), "");
        assert_eq!(plain_text("The language is\npython"), "The language is\npython");
        assert_eq!(group_digits(1234567), "1,234,567");
    }
}
