//! What a CPython pattern's source means where the engines read it
//! differently, found before translation: a bare `$` (sre's end of text *or*
//! before a final newline, where the engines' `$` is the end only), and a
//! trailing lookahead, which the linear engine runs as a group cut off its
//! match (issue #59: a real model's `Type:\s*(.+?)(?=\nQuestion:|$)` ran on
//! the backtracking engine at 0.7x CPython's time).

/// The flags these rewrites depend on (`re.M`, `re.X`), as given to
/// `re.compile` (inline flags are read from the source).
#[derive(Clone, Copy)]
pub(super) struct Flags {
    pub(super) multiline: bool,
    pub(super) verbose: bool,
}

/// How the translation writes a bare `$`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Dollar {
    /// As the engines' `$` (the end of the text): exact on a text that does
    /// not end in a newline.
    AsIs,
    /// As sre's `$`, a lookahead (`(?=\n?\z)`): the backtracking engine only.
    Lookahead,
}

/// A character of a pattern's source that is syntax: outside a class and not
/// escaped. Escapes and classes are read past whole, so a `$` or a
/// parenthesis found here is an anchor or a group.
struct Syntax {
    at: usize,
    c: char,
}

fn syntax_chars(source: &str) -> Vec<Syntax> {
    let mut out = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => skip_class(&mut chars),
            _ => out.push(Syntax { at, c }),
        }
    }
    out
}

/// Whether the pattern has a possessive quantifier (`a*+`, `a++`, `a?+`,
/// `a{1,3}+`, new in 3.11's sre): the linear engine reads `a++` as `(a+)+`
/// and `a?+` as `(a?)+`, which backtrack, so such a pattern goes to the
/// backtracking engine, which has them (and atomic groups, `(?>...)`,
/// which the linear engine refuses).
pub(super) fn has_possessive(source: &str) -> bool {
    let syntax = syntax_chars(source);
    let text: Vec<char> = source.chars().collect();
    let byte_to_char = |at: usize| source[..at].chars().count();
    for (k, s) in syntax.iter().enumerate() {
        let follows = |end: usize| syntax.get(k + 1).is_some_and(|n| n.at == end && n.c == '+');
        match s.c {
            // `(?` opens group syntax: not a quantifier.
            '?' if k > 0 && syntax[k - 1].c == '(' && syntax[k - 1].at + 1 == s.at => {}
            '*' | '+' | '?' if follows(s.at + 1) => return true,
            '{' => {
                let i = byte_to_char(s.at) + 1;
                let mut j = i;
                while text.get(j).is_some_and(|c| c.is_ascii_digit() || *c == ',') {
                    j += 1;
                }
                let commas = text[i..j].iter().filter(|c| **c == ',').count();
                if text.get(j) == Some(&'}') && commas <= 1 && text.get(j + 1) == Some(&'+') {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Reads past a class whose `[` was just read: a `]` first (after an
/// optional `^`) is a literal, and escapes are read whole.
fn skip_class(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    if chars.peek().is_some_and(|&(_, c)| c == '^') {
        chars.next();
    }
    if chars.peek().is_some_and(|&(_, c)| c == ']') {
        chars.next();
    }
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ']' => return,
            _ => {}
        }
    }
}

/// Whether the pattern's `$` anchors are sre's non-MULTILINE ones: none under
/// `re.M` (the engines' multi-line `$` is sre's), and none decided when a
/// scoped flag group turns MULTILINE on or off (`(?m:...)`: those patterns
/// keep the engines' reading).
pub(super) fn has_bare_dollar(source: &str, flags: Flags) -> bool {
    bare_dollar_in(source, flags, &syntax_chars(source))
}

/// [`has_bare_dollar`] over the pattern's syntax, already read.
fn bare_dollar_in(source: &str, flags: Flags, syntax: &[Syntax]) -> bool {
    !flags.multiline && !inline_flag(source, 'm') && syntax.iter().any(|s| s.c == '$')
}

/// The pattern without the `a` of its leading global flags (`(?a)`,
/// `(?ai)`), which the engines do not know: the caller sets `re.ASCII`.
pub(super) fn without_inline_ascii(source: &str) -> Option<String> {
    let letters: String =
        source.strip_prefix("(?")?.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = source.get(2 + letters.len()..)?.strip_prefix(')')?;
    if !letters.contains('a') {
        return None;
    }
    let kept: String = letters.chars().filter(|&c| c != 'a').collect();
    Some(if kept.is_empty() { rest.to_string() } else { format!("(?{kept}){rest}") })
}

/// A `(?flags)` or `(?flags:` group whose letters name `letter`.
fn inline_flag(source: &str, letter: char) -> bool {
    source.match_indices("(?").any(|(at, _)| {
        let letters: String =
            source[at + 2..].chars().take_while(|c| c.is_ascii_alphabetic() || *c == '-').collect();
        letters.contains(letter) && !letters.starts_with('P')
    })
}

/// The pattern with its trailing lookahead `A(?=B)` (or `$`) written as a group,
/// `A(B)`, when that is exact: the match then ends where the group starts
/// (`Compiled::cut_tail`). A backtracking search takes the first way of
/// matching `A`, in preference order, after which `B` matches; the
/// leftmost-first engine's first way of matching `A` then `B` is the same
/// one. Only for a lookahead that closes the pattern at its top level,
/// holds no group that captures or looks around, and whose bare `$`s each end
/// one of its alternatives (written `\n?\Z`, which consumes what sre's `$`
/// only looks at). Not under VERBOSE (comments may hold parentheses).
pub(super) fn tail_as_group(source: &str, flags: Flags) -> Option<String> {
    if flags.verbose || inline_flag(source, 'x') || source.contains("(?#") {
        return None;
    }
    let syntax = syntax_chars(source);
    let bare = bare_dollar_in(source, flags, &syntax);
    if let Some(rewritten) = trailing_dollar_as_group(source, bare, &syntax) {
        return Some(rewritten);
    }
    if !source.ends_with(')') {
        return None;
    }
    let start = trailing_lookahead_start(source, &syntax)?;
    let body_start = start + "(?=".len();
    let body_end = source.len() - 1;
    let inner = syntax.iter().filter(|s| s.at >= body_start && s.at < body_end);
    let mut depth = 0usize;
    let mut out = format!("{}(", &source[..start]);
    let mut copied = body_start;
    let mut inner = inner.peekable();
    while let Some(s) = inner.next() {
        match s.c {
            '(' if !source[s.at..].starts_with("(?:") => return None,
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '$' if bare => {
                let ends_alternative = match inner.peek() {
                    Some(next) => next.c == '|' && next.at == s.at + 1,
                    None => s.at + 1 == body_end,
                };
                if depth != 0 || !ends_alternative {
                    return None;
                }
                out.push_str(&source[copied..s.at]);
                out.push_str("\\n?\\Z");
                copied = s.at + 1;
            }
            _ => {}
        }
    }
    out.push_str(&source[copied..body_end]);
    out.push(')');
    Some(out)
}

/// A pattern that ends in a bare `$` at its top level, `A$`, is `A(?=$)`:
/// written `A(\n?\Z)` (`\d+$` then runs on the linear engine in a text that
/// ends in a newline too).
fn trailing_dollar_as_group(source: &str, bare: bool, syntax: &[Syntax]) -> Option<String> {
    // The pattern is sre's syntax (checked before): a `$` that ends it is
    // outside every group.
    let last = syntax.last()?;
    (bare && last.c == '$' && last.at + 1 == source.len())
        .then(|| format!("{}(\\n?\\Z)", &source[..last.at]))
}

/// Where the lookahead group that closes the pattern starts, when it is at
/// the pattern's top level.
fn trailing_lookahead_start(source: &str, syntax: &[Syntax]) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut last_closed = None;
    for s in syntax {
        match s.c {
            '(' => open.push(s.at),
            ')' => {
                let start = open.pop()?;
                last_closed = open.is_empty().then_some((start, s.at));
            }
            _ => {}
        }
    }
    let (start, end) = last_closed?;
    (open.is_empty() && end == source.len() - 1 && source[start..].starts_with("(?="))
        .then_some(start)
}

/// For each capturing group (index 0 is the whole match), the order its
/// `)` comes in among the groups' (sre's `lastindex` is the group that
/// closed last: of two groups ending at one place, the one closed later).
pub(super) fn group_close_order(source: &str) -> Vec<usize> {
    let syntax = syntax_chars(source);
    let adjacent = |k: usize, c: char| {
        syntax.get(k + 1).is_some_and(|n| n.c == c && n.at == syntax[k].at + syntax[k].c.len_utf8())
    };
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut groups = 0;
    let mut ranks = vec![0];
    let mut closed = 0;
    let mut k = 0;
    while k < syntax.len() {
        match syntax[k].c {
            '(' if adjacent(k, '?') && adjacent(k + 1, '#') => {
                // A comment: to its `)`.
                while k < syntax.len() && syntax[k].c != ')' {
                    k += 1;
                }
            }
            '(' => {
                let named = adjacent(k, '?')
                    && adjacent(k + 1, 'P')
                    && syntax.get(k + 3).is_some_and(|n| n.c == '<');
                if !adjacent(k, '?') || named {
                    groups += 1;
                    ranks.push(0);
                    open.push(Some(groups));
                } else {
                    open.push(None);
                }
            }
            ')' => {
                if let Some(Some(g)) = open.pop() {
                    closed += 1;
                    ranks[g] = closed;
                }
            }
            _ => {}
        }
        k += 1;
    }
    ranks
}

/// Whether the pattern has a `\B` outside a class: sre (3.11) finds no
/// non-boundary in an empty text, where the engines find one.
pub(super) fn has_non_boundary(source: &str) -> bool {
    let mut chars = source.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' if chars.next().is_some_and(|(_, n)| n == 'B') => return true,
            '[' => skip_class(&mut chars),
            _ => {}
        }
    }
    false
}

/// Whether the pattern may prefer an empty match where a longer one starts at
/// the same place: it has an alternation (`\b|:+`) or a lazy quantifier
/// (`a*?`). Without either, every choice the engines make tries to take a
/// character first, so a pattern whose match at a place is empty has no
/// other match there: the search after an empty match (sre's rule, 3.7+)
/// need not look for one (`engine::search_after_empty`).
pub(super) fn may_prefer_empty(source: &str) -> bool {
    let syntax = syntax_chars(source);
    syntax.iter().enumerate().any(|(k, s)| match s.c {
        '|' => true,
        '?' if k > 0 => {
            let prev = &syntax[k - 1];
            let opens_group =
                |j: usize| j > 0 && syntax[j - 1].c == '(' && syntax[j - 1].at + 1 == syntax[j].at;
            prev.at + prev.c.len_utf8() == s.at
                && matches!(prev.c, '*' | '+' | '?' | '}')
                && !(prev.c == '?' && opens_group(k - 1))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Flags = Flags { multiline: false, verbose: false };
    const MULTILINE: Flags = Flags { multiline: true, verbose: false };
    const VERBOSE: Flags = Flags { multiline: false, verbose: true };

    #[test]
    fn bare_dollars_are_anchors_outside_classes_and_escapes() {
        assert!(has_bare_dollar(r"a$", NONE));
        assert!(!has_bare_dollar(r"a\$", NONE));
        assert!(!has_bare_dollar(r"a[$]", NONE));
        assert!(!has_bare_dollar(r"a[]$]", NONE));
        assert!(has_bare_dollar(r"a[\]]$", NONE));
        assert!(!has_bare_dollar(r"a$", MULTILINE));
        assert!(!has_bare_dollar(r"(?m)a$", NONE));
        assert!(!has_bare_dollar(r"(?m:a$)b$", NONE));
        assert!(has_bare_dollar(r"(?P<m>a)$", NONE));
    }

    #[test]
    fn a_leading_ascii_flag_is_taken_out() {
        assert_eq!(without_inline_ascii(r"(?a)\w+").as_deref(), Some(r"\w+"));
        assert_eq!(without_inline_ascii(r"(?ia)\w+").as_deref(), Some(r"(?i)\w+"));
        assert_eq!(without_inline_ascii(r"(?i)\w+"), None);
        assert_eq!(without_inline_ascii(r"(?a:x)"), None);
        assert_eq!(without_inline_ascii(r"a(?a)"), None);
    }

    #[test]
    fn a_trailing_lookahead_becomes_a_group_only_when_exact() {
        let r = |p: &str| tail_as_group(p, NONE);
        assert_eq!(
            r(r"Type:\s*(.+?)(?=\nQuestion:|$)").as_deref(),
            Some(r"Type:\s*(.+?)(\nQuestion:|\n?\Z)")
        );
        assert_eq!(r(r"\w+(?=,)").as_deref(), Some(r"\w+(,)"));
        assert_eq!(r(r"a(?=(?:b|c)d)").as_deref(), Some(r"a((?:b|c)d)"));
        assert_eq!(r(r"a(?=b)c"), None);
        assert_eq!(r(r"(a(?=b))"), None);
        assert_eq!(r(r"a(?=(b))"), None);
        assert_eq!(r(r"a(?=b(?!c))"), None);
        assert_eq!(r(r"a(?=b$c)"), None);
        assert_eq!(r(r"a(?=(?:b$))"), None);
        assert_eq!(r(r"a\(?=b\)"), None);
        assert_eq!(r(r"\d+$").as_deref(), Some(r"\d+(\n?\Z)"));
        assert_eq!(r(r"x|(?:a|b)$").as_deref(), Some(r"x|(?:a|b)(\n?\Z)"));
        assert_eq!(r(r"a\$"), None);
        assert_eq!(r(r"(a$)"), None);
        assert_eq!(tail_as_group(r"a(?=b$)", MULTILINE).as_deref(), Some(r"a(b$)"));
        assert_eq!(tail_as_group(r"a(?=b)", VERBOSE), None);
    }
}
