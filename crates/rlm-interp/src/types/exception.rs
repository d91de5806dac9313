//! Exceptions' behaviour: `str(e)`, `repr(e)`, matching in `except` clauses
//! and the "Did you mean" hint. The classes (`ExcKind`, with CPython's
//! hierarchy) are type objects (`type_obj.rs`); an instance's data
//! (`Exception`) is the value layer's (`value/objects.rs`).

use crate::fault::{R, type_err};
use crate::value::*;

/// The most UTF-8 bytes by which a name and a candidate may differ, once
/// their common prefix and suffix are set aside, for the candidate to be
/// offered (CPython's `MAX_STRING_SIZE`, `Python/suggestions.c`).
pub const MAX_SUGGESTION_BYTES: usize = 40;

/// The closest candidate within a small edit distance (CPython's "Did you mean").
///
/// The first candidate at the smallest distance wins. As in CPython, the
/// common prefix and suffix are set aside (the distance is unchanged) and a
/// candidate whose rest or the name's exceeds [`MAX_SUGGESTION_BYTES`] is not
/// offered: the name may be a program-built string (`getattr(o, s)`), so the
/// work is bounded by the candidates' lengths and a 40 x 40 table, never by the
/// name's. A measure stops as soon as every cell of a row exceeds the allowed
/// distance: that only skips work whose result the filter would drop.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    // The allowed distance, from the name's length: counted only once a
    // candidate is near, when the name is at most 40 bytes longer than it.
    let mut max: Option<usize> = None;
    let mut name_rest: Vec<char> = Vec::new();
    let mut rows = (Vec::new(), Vec::new(), Vec::new());
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let Some((rest, c_rest)) = differing_cores(name, c) else {
            continue;
        };
        let max = *max.get_or_insert_with(|| ((name.chars().count() + 3) / 3).max(1));
        // Within the distance allowed, and closer than the best so far.
        let bound = best.map_or(max, |(d, _)| d.saturating_sub(1));
        name_rest.clear();
        name_rest.extend(rest.chars());
        if let Some(d) = distance_within(&name_rest, c_rest, bound, &mut rows) {
            best = Some((d, c));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// `a` and `b` without their common prefix and suffix, when neither rest
/// exceeds [`MAX_SUGGESTION_BYTES`]. The work is bounded by `b`'s length.
fn differing_cores<'s>(a: &'s str, b: &'s str) -> Option<(&'s str, &'s str)> {
    let prefix: usize =
        a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum();
    let (a, b) = (a.get(prefix..)?, b.get(prefix..)?);
    let suffix: usize = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let a = a.get(..a.len() - suffix)?;
    let b = b.get(..b.len() - suffix)?;
    (a.len() <= MAX_SUGGESTION_BYTES && b.len() <= MAX_SUGGESTION_BYTES).then_some((a, b))
}

/// The edit distance between `a` and `b` when it is at most `bound`, else
/// `None`. `rows` are reused buffers.
fn distance_within(
    a: &[char],
    b: &str,
    bound: usize,
    rows: &mut (Vec<char>, Vec<usize>, Vec<usize>),
) -> Option<usize> {
    let (b_chars, prev, cur) = rows;
    b_chars.clear();
    b_chars.extend(b.chars());
    if a.len().abs_diff(b_chars.len()) > bound {
        return None;
    }
    prev.clear();
    prev.extend(0..=b_chars.len());
    for i in 1..=a.len() {
        cur.clear();
        cur.resize(b_chars.len() + 1, i);
        let mut row_min = i;
        for j in 1..=b_chars.len() {
            let cost = usize::from(a[i - 1] != b_chars[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        // Every path to the last cell passes through this row.
        if row_min > bound {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    let d = prev[b_chars.len()];
    (d <= bound).then_some(d)
}

pub(crate) fn exc_matches(e: &Value, t: &Value) -> R<bool> {
    let Value::Exc(e) = e else { return Ok(false) };
    match t {
        Value::Type(Ty::Exc(k)) => Ok(e.kind.is_subclass_of(*k)),
        Value::Tuple(ts) => {
            for t in ts.iter() {
                if exc_matches(&Value::Exc(e.clone()), t)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => type_err("catching classes that do not inherit from BaseException is not allowed"),
    }
}

#[cfg(test)]
mod tests {
    use super::suggest;

    /// The measure `suggest` had before it skipped work: every candidate's
    /// full edit distance, the first at the smallest within the bound.
    fn suggest_by_measuring_all(name: &str, candidates: &[&str]) -> Option<String> {
        fn dist(a: &str, b: &str) -> usize {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for i in 1..=a.len() {
                let mut cur = vec![i; b.len() + 1];
                for j in 1..=b.len() {
                    let cost = usize::from(a[i - 1] != b[j - 1]);
                    cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
                }
                prev = cur;
            }
            prev[b.len()]
        }
        let max = (name.chars().count() + 3) / 3;
        candidates
            .iter()
            .filter(|c| **c != name)
            .map(|c| (dist(name, c), *c))
            .filter(|(d, _)| *d <= max.max(1))
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c.to_string())
    }

    #[test]
    fn skipping_far_candidates_keeps_every_suggestion() {
        let candidates = [
            "len",
            "print",
            "sorted",
            "startswith",
            "endswith",
            "lower",
            "ok",
            "oct",
            "ord",
            "éte",
            "été",
            "range",
            "enumerate",
            "isinstance",
            "a",
            "",
            "ab",
            "abc",
            "lenn",
            "zip",
            "zips",
            "format",
            "from_keys",
            "fromkeys",
        ];
        let names = [
            "ok",
            "lenn",
            "pritn",
            "startwith",
            "",
            "x",
            "ab",
            "été",
            "ete",
            "enumerat",
            "isinstanc",
            "range",
            "rang",
            "fromkey",
            "zzzzzzzzzzzz",
            "sortd",
            "a",
            "ba",
        ];
        let mut shown = 0;
        for name in names {
            let expected = suggest_by_measuring_all(name, &candidates);
            shown += usize::from(expected.is_some());
            assert_eq!(suggest(name, candidates), expected, "{name}");
        }
        assert!(shown > names.len() / 2, "most names have a suggestion: {shown}");
        assert_eq!(suggest("lenn", ["print", "len", "lent"]).as_deref(), Some("len"));
        assert_eq!(suggest("ok", ["print", "sorted"]), None);
    }

    /// What CPython 3.11 prints for these (checked with `python3 -c`): long
    /// names sharing all but a little are suggested; names whose differing
    /// cores exceed 40 bytes are not.
    #[test]
    fn long_names_are_suggested_only_when_their_differing_cores_are_short() {
        let a99 = "a".repeat(99);
        let a100 = "a".repeat(100);
        let b100 = format!("{a100}b");
        assert_eq!(suggest(&b100, [a100.as_str()]).as_deref(), Some(a100.as_str()));
        assert_eq!(suggest(&a100, [a99.as_str()]).as_deref(), Some(a99.as_str()));
        // Different at both ends of 58 shared characters: the cores are 60 bytes.
        let x = format!("b{}b", "a".repeat(58));
        let y = format!("c{}c", "a".repeat(58));
        assert_eq!(suggest(&x, [y.as_str()]), None);
        // Cores of 40 bytes are still measured: two edits, within the bound.
        let core = "q".repeat(38);
        let x = format!("b{core}b{}", "a".repeat(60));
        let y = format!("c{core}c{}", "a".repeat(60));
        assert_eq!(suggest(&x, [y.as_str()]).as_deref(), Some(y.as_str()));
        // A program-built name of any size costs the candidates' lengths only.
        let huge = "x".repeat(50_000_000);
        assert_eq!(suggest(&huge, ["x", "xx", "xy"]), None);
    }
}
