//! How much work a pattern is, before it is compiled: the size of its
//! program once counted repetitions are expanded (`(?:a|b){1000}` is a
//! thousand copies of its body). Compiling costs fuel in proportion to it,
//! and so does each byte a search scans: a linear engine's per-byte work
//! grows with the number of program states it tracks.

use regex_syntax::hir::{Hir, HirKind};

/// The compiled-size limit of the linear engine, in bytes: what a pattern
/// may be once compiled, beside the estimates of what it is before (the
/// engine and the reach's automaton both build under it).
pub(crate) const COMPILED_SIZE_LIMIT: usize = 1 << 23;

/// Work estimates stop growing here (the compiled-size limit refuses far less).
const CAP: u64 = 1 << 32;

/// What a pattern costs, as the engines will see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PatternSize {
    /// Program states once counted repetitions are expanded, roughly: what
    /// a linear engine may track at each byte it scans.
    pub states: u64,
    /// Byte-range pieces of its large character classes (compile work only:
    /// a compiled automaton scans them at the same speed).
    pub class_pieces: u64,
    /// The longest match it can make, in bytes, when that is bounded
    /// (`needle`, `\d{1,4}`; not `\w+`): a search can then read its text
    /// in windows (`engine.rs`).
    pub max_len: Option<usize>,
    /// Whether a search stops reading a character past the match it
    /// reports: fixed items (no repetition, no alternation) then one final
    /// repetition of a single character class (`needle (\d+)`, `\w+`,
    /// `Answer: (.*)`). Once the match passed its fixed part no earlier
    /// start is alive (it would have matched first), and the repetition's
    /// run is the match: the engine reads one character past its end.
    pub settles: bool,
}

/// The size of `pattern`; its length in states when it does not parse here
/// (the engines then report the error, or the backtracking engine takes it).
pub(crate) fn expanded_size(pattern: &str) -> PatternSize {
    expanded_size_and_tree(pattern).0
}

/// [`expanded_size`] and the parsed pattern (`None` when it does not parse
/// here), for a caller that reads the tree too: parsed once.
pub(crate) fn expanded_size_and_tree(pattern: &str) -> (PatternSize, Option<Hir>) {
    let parsed = regex_syntax::ParserBuilder::new().nest_limit(200).build().parse(pattern);
    match parsed {
        Ok(hir) => {
            let size = PatternSize {
                max_len: hir.properties().maximum_len(),
                settles: settles_at_match_end(&hir),
                ..hir_size(&hir)
            };
            (size, Some(hir))
        }
        Err(_) => {
            let size = PatternSize {
                states: pattern.len() as u64,
                class_pieces: 0,
                max_len: None,
                settles: false,
            };
            (size, None)
        }
    }
}

/// Walks the tree with an explicit stack (the parser bounds its depth, but
/// the walk need not rely on that).
fn hir_size(root: &Hir) -> PatternSize {
    let mut total: u64 = 0;
    let mut pieces: u64 = 0;
    let mut stack: Vec<(&Hir, u64)> = vec![(root, 1)];
    while let Some((hir, times)) = stack.pop() {
        total = total.saturating_add(times);
        if total >= CAP {
            return PatternSize {
                states: CAP,
                class_pieces: pieces.min(CAP),
                max_len: None,
                settles: false,
            };
        }
        match hir.kind() {
            HirKind::Repetition(r) => {
                let copies = r.max.unwrap_or(r.min.saturating_add(1)).max(r.min).max(1);
                stack.push((&r.sub, times.saturating_mul(u64::from(copies))));
            }
            HirKind::Capture(c) => stack.push((&c.sub, times)),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => {
                stack.extend(subs.iter().map(|s| (s, times)));
            }
            HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => {
                // A large class compiles to many byte-range states.
                let ranges = c.ranges().len() as u64;
                pieces = pieces.saturating_add(times.saturating_mul(ranges / 8));
            }
            HirKind::Literal(l) => {
                total = total.saturating_add(times.saturating_mul(l.0.len() as u64));
            }
            _ => {}
        }
    }
    PatternSize {
        states: total.min(CAP),
        class_pieces: pieces.min(CAP),
        max_len: None,
        settles: false,
    }
}

/// See [`PatternSize::settles`]. Not with a Unicode `\b`: over non-ASCII
/// text the engine's automaton gives up for its NFA, tens of nanoseconds a
/// byte, which `reach.rs` prices.
fn settles_at_match_end(hir: &Hir) -> bool {
    let looks = hir.properties().look_set();
    if looks.contains_word_unicode() {
        return false;
    }
    let items: Vec<&Hir> = match hir.kind() {
        HirKind::Concat(subs) => subs.iter().collect(),
        _ => vec![hir],
    };
    match items.split_last() {
        Some((last, fixed)) => fixed.iter().all(|h| is_fixed(h, 0)) && is_class_run(last),
        None => false,
    }
}

/// No repetition and no alternation inside (depth-capped: the parser's
/// nest limit is 200).
fn is_fixed(h: &Hir, depth: usize) -> bool {
    if depth > 256 {
        return false;
    }
    match h.kind() {
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => true,
        HirKind::Capture(c) => is_fixed(&c.sub, depth + 1),
        HirKind::Concat(subs) => subs.iter().all(|s| is_fixed(s, depth + 1)),
        HirKind::Repetition(_) | HirKind::Alternation(_) => false,
    }
}

/// An unbounded repetition of one character class (or one character),
/// inside captures at most.
fn is_class_run(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Capture(c) => is_class_run(&c.sub),
        HirKind::Repetition(r) if r.max.is_none() => match r.sub.kind() {
            HirKind::Class(_) => true,
            HirKind::Literal(l) => std::str::from_utf8(&l.0).is_ok_and(|t| t.chars().count() == 1),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_repetitions_multiply_their_body() {
        let small = expanded_size("(?:a|b)c").states;
        let big = expanded_size("(?:a|b){1000}c").states;
        assert!(big >= 1000, "{big}");
        assert!(small < 10, "{small}");
        assert_eq!(expanded_size("(?:(?:a{10000}){10000}){10000}").states, CAP);
        // A large class is compile work, not more states to track.
        let word = expanded_size(r"\w+");
        assert!(word.states < 10 && word.class_pieces > 50, "{word:?}");
        // Unparseable here: its length.
        assert_eq!(expanded_size("(?<=a)b(").states, 8);
        // The longest match, when bounded.
        assert_eq!(expanded_size("needle").max_len, Some(6));
        // Unicode `\d` takes up to 4 bytes a digit.
        assert_eq!(expanded_size(r"a\d{1,4}é").max_len, Some(1 + 4 * 4 + 2));
        assert_eq!(expanded_size(r"needle (\d+)").max_len, None);
        assert_eq!(expanded_size("(?<=a)b").max_len, None);
        // Settling patterns: fixed items, then one run of a class.
        for p in
            [r"needle (\d+)", r"\w+", r"(?i)label: (\w+)", "Answer: (.*)", "ab+", r"(?-u:\b)\d+?"]
        {
            assert!(expanded_size(p).settles, "{p}");
        }
        for p in [r"a[^z]*z|a", r"a[^z]*z", r"(ab)+", r"\d+5", r"a(a[^z]*z)?", "needle", r"\b\w+"] {
            assert!(!expanded_size(p).settles, "{p}");
        }
    }
}
