//! Unicode character properties and case mappings as CPython 3.11 sees
//! them (Unicode 14.0, its definitions of decimal/digit/numeric, of
//! whitespace, of titlecase and of identifiers), over the generated tables in
//! `unicode_tables.rs`. Nothing here falls back to Rust's own tables, which
//! follow a newer Unicode. ASCII is answered without a table.

use crate::unicode_tables::{
    ALPHA, CASE_IGNORABLE, CASED, CASEFOLD, DECIMAL, DIGIT, LOWER, LOWER_MAP, LOWER_MULTI, NUMERIC,
    PRINTABLE, SPACE, TITLE, TITLECASE, UPPER, UPPER_MAP, UPPER_MULTI, XID_CONTINUE, XID_START,
};

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    let i = table.partition_point(|&(_, hi)| hi < c);
    table.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// The one-character mapping of `c` in `runs`, if it has one.
fn mapped(runs: &[(u32, u32, u32, i32)], c: char) -> Option<char> {
    let cp = c as u32;
    let i = runs.partition_point(|r| r.1 < cp);
    let &(lo, _, step, delta) = runs.get(i)?;
    if cp < lo || (cp - lo) % step != 0 {
        return None;
    }
    char::from_u32(cp.wrapping_add_signed(delta))
}

/// The several-character mapping of `c` in `table`, if it has one.
fn special(table: &'static [(char, &'static str)], c: char) -> Option<&'static str> {
    table.binary_search_by_key(&c, |&(k, _)| k).ok().map(|i| table[i].1)
}

/// `str.isprintable` for one character: what `repr` shows as itself
/// rather than as an escape (not Cc Cf Cs Co Cn Zl Zp, nor Zs other than
/// the space).
pub(crate) fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    in_ranges(PRINTABLE, c)
}

/// `str.isalpha` for one character (general categories Lu Ll Lt Lm Lo;
/// Rust's `is_alphabetic` also takes letter numbers such as `Ⅻ`).
pub(crate) fn is_alpha(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && in_ranges(ALPHA, c))
}

/// `str.isalnum` for one character.
pub(crate) fn is_alnum(c: char) -> bool {
    is_alpha(c) || is_numeric(c)
}

/// `str.isdecimal` for one character (general category Nd).
pub(crate) fn is_decimal(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(DECIMAL, c))
}

/// The value of a decimal digit (`'٣'` → 3). Every run of Nd characters
/// is a whole 0..9 sequence (or several), which the test checks.
pub(crate) fn decimal_value(c: char) -> Option<u32> {
    // ASCII is a digit or nothing: no search of the table (a format spec's
    // width ends at its type letter, read here once per f-string field).
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let cp = c as u32;
    let i = DECIMAL.partition_point(|&(_, hi)| hi < cp);
    match DECIMAL.get(i) {
        Some(&(lo, hi)) if lo <= cp && cp <= hi => Some((cp - lo) % 10),
        _ => None,
    }
}

/// What `int()`/`float()` parse: CPython first turns non-ASCII decimal
/// digits into ASCII ones and Unicode spaces into `' '`
/// (`_PyUnicode_TransformDecimalAndSpaceToASCII`); other non-ASCII
/// characters become `'?'` so that parsing fails.
#[inline]
pub(crate) fn ascii_numeral(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if py_isspace(c) {
            out.push(' ');
        } else {
            match decimal_value(c).and_then(|d| char::from_digit(d, 10)) {
                Some(d) => out.push(d),
                // Parsing fails whatever follows: no need to read it
                // (a 4 MiB text of `ß` was mapped whole to fail, issue #77).
                None => return std::borrow::Cow::Borrowed("?"),
            }
        }
    }
    out.into()
}

/// `str.isdigit` for one character (Numeric_Type Decimal or Digit).
pub(crate) fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(DIGIT, c))
}

/// `str.isnumeric` for one character (any Numeric_Type).
pub(crate) fn is_numeric(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(NUMERIC, c))
}

/// Unicode's Uppercase (`str.isupper` of the character alone).
pub(crate) fn is_upper(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_uppercase() } else { in_ranges(UPPER, c) }
}

/// Unicode's Lowercase (`str.islower` of the character alone).
pub(crate) fn is_lower(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_lowercase() } else { in_ranges(LOWER, c) }
}

/// A titlecase letter (general category Lt, e.g. `ǅ`).
pub(crate) fn is_titlecase(c: char) -> bool {
    !c.is_ascii() && in_ranges(TITLE, c)
}

/// Cased in CPython's sense (Lowercase, Uppercase or titlecase letter):
/// what `str.title` looks at to decide where a word starts, and the final
/// sigma rule.
pub(crate) fn is_cased(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { in_ranges(CASED, c) }
}

/// Case-ignorable (marks, modifiers, format characters, apostrophes, dots,
/// colons...): what the final sigma rule looks through.
pub(crate) fn is_case_ignorable(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '\'' | '.' | ':' | '^' | '`')
    } else {
        in_ranges(CASE_IGNORABLE, c)
    }
}

/// `str.isidentifier`: XID_Start or `_` first, XID_Continue after (PEP
/// 3131; the XID properties are the ones closed under NFKC).
pub(crate) fn is_identifier(text: &str) -> bool {
    if text.is_ascii() {
        let b = text.as_bytes();
        return b.first().is_some_and(|c| *c == b'_' || c.is_ascii_alphabetic())
            && b.iter().all(|c| *c == b'_' || c.is_ascii_alphanumeric());
    }
    let mut cs = text.chars();
    cs.next().is_some_and(|c| c == '_' || is_xid_start(c)) && cs.all(is_xid_continue)
}

/// XID_Start.
pub(crate) fn is_xid_start(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { in_ranges(XID_START, c) }
}

/// XID_Continue.
pub(crate) fn is_xid_continue(c: char) -> bool {
    if c.is_ascii() { c == '_' || c.is_ascii_alphanumeric() } else { in_ranges(XID_CONTINUE, c) }
}

/// Push the full lowercase mapping of `c` (`'İ'` → `"i̇"`); a capital sigma
/// is `σ` here, the caller applies the final-sigma rule.
pub(crate) fn push_lower(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if let Some(m) = mapped(LOWER_MAP, c) {
        out.push(m);
    } else if let Some(s) = special(LOWER_MULTI, c) {
        out.push_str(s);
    } else {
        out.push(c);
    }
}

/// Push the full uppercase mapping of `c` (`'ß'` → `"SS"`).
pub(crate) fn push_upper(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_uppercase());
    } else if let Some(m) = mapped(UPPER_MAP, c) {
        out.push(m);
    } else if let Some(s) = special(UPPER_MULTI, c) {
        out.push_str(s);
    } else {
        out.push(c);
    }
}

/// Push the titlecase mapping of `c` (`'ǆ'` → `"ǅ"`, `'ß'` → `"Ss"`).
pub(crate) fn push_title(c: char, out: &mut String) {
    match special(TITLECASE, c) {
        Some(s) => out.push_str(s),
        None => push_upper(c, out),
    }
}

/// `c` case-folded into `out`, as `str.casefold` folds it: the full folding
/// where it differs from the lowercase (`ß` to `ss`, `ﬁ` to `fi`, `ς` to
/// `σ`), the lowercase elsewhere.
pub(crate) fn push_casefold(c: char, out: &mut String) {
    match special(CASEFOLD, c) {
        Some(s) => out.push_str(s),
        None => push_lower(c, out),
    }
}

/// Python's `str.isspace` for one character (inlined into the whitespace
/// scans: ASCII is two compares, the rest a call).
#[inline]
pub(crate) fn py_isspace(c: char) -> bool {
    if c.is_ascii() { matches!(c, '\t'..='\r' | '\x1c'..=' ') } else { wide_space(c) }
}

/// `str.isspace` for a character past ASCII.
#[inline(never)]
fn wide_space(c: char) -> bool {
    in_ranges(SPACE, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What python3 prints for `script`.
    fn python(script: &str) -> String {
        let Ok(o) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
            panic!("python3 did not start (needed: the test environment probed it)");
        };
        assert!(o.status.success(), "python3 failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    }

    /// The code points where `pred` holds, as `lo-hi` ranges in hex (a
    /// range stops at the surrogates, which are no `char`).
    fn ranges_of(pred: impl Fn(char) -> bool) -> String {
        let mut out = Vec::new();
        let mut run: Option<(u32, u32)> = None;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| pred(*c)) {
            let cp = c as u32;
            run = match run {
                Some((lo, hi)) if hi + 1 == cp => Some((lo, cp)),
                Some((lo, hi)) => {
                    out.push(format!("{lo:x}-{hi:x}"));
                    Some((cp, cp))
                }
                None => Some((cp, cp)),
            };
        }
        if let Some((lo, hi)) = run {
            out.push(format!("{lo:x}-{hi:x}"));
        }
        out.join(" ")
    }

    /// Each character's mappings, as this module makes them.
    fn mappings_of(c: char) -> [String; 4] {
        let mut m: [String; 4] = Default::default();
        push_lower(c, &mut m[0]);
        push_upper(c, &mut m[1]);
        push_title(c, &mut m[2]);
        push_casefold(c, &mut m[3]);
        m
    }

    rlm_testenv::needs_python3! {
        /// The committed tables are what the generator makes from the
        /// python3 on this machine (CPython 3.11: Unicode 14.0).
        #[test]
        fn tables_are_what_the_generator_makes() {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/gen_unicode_tables.py");
            let o = std::process::Command::new("python3").arg(script).arg("--check").output();
            let Ok(o) = o else { panic!("python3 did not start") };
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        }

        /// Every code point against CPython, for every predicate and every
        /// mapping, through the functions the str methods call (their ASCII
        /// paths included). CPython's side is its str methods on the
        /// character alone, apart from cased and case-ignorable, read off
        /// what `title` and `lower` do around it.
        #[test]
        fn every_code_point_matches_cpython() {
            let script = r#"
import sys, unicodedata
def cased(c): return (c + "A").title()[-1] == "a"
def ci(c):
    if cased(c): return (c + "\u03a3").lower()[-1] == "\u03c3"
    return ("A" + c + "\u03a3").lower()[-1] == "\u03c2"
preds = [str.isprintable, str.isalpha, str.isalnum, str.isdecimal, str.isdigit, str.isnumeric,
         str.isspace, str.isupper, str.islower, lambda c: unicodedata.category(c) == "Lt",
         cased, ci, str.isidentifier, lambda c: ("a" + c).isidentifier()]
cps = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]
for pred in preds:
    out, start, prev = [], None, None
    for cp in cps:
        if pred(chr(cp)):
            if start is None or cp != prev + 1:
                if start is not None: out.append(f"{start:x}-{prev:x}")
                start = cp
            prev = cp
    if start is not None: out.append(f"{start:x}-{prev:x}")
    print(" ".join(out))
for cp in cps:
    c = chr(cp)
    m = [c.lower(), c.upper(), c.title(), c.casefold()]
    dec = unicodedata.decimal(c, -1)
    if dec >= 0 or any(x != c for x in m):
        print(f"{cp:x} {dec} " + " ".join(x.encode().hex() for x in m))
"#;
            let text = python(script);
            let mut lines = text.lines();
            type Predicate = (&'static str, fn(char) -> bool);
            let preds: [Predicate; 14] = [
                ("isprintable", is_printable),
                ("isalpha", is_alpha),
                ("isalnum", is_alnum),
                ("isdecimal", is_decimal),
                ("isdigit", is_digit),
                ("isnumeric", is_numeric),
                ("isspace", py_isspace),
                ("isupper", is_upper),
                ("islower", is_lower),
                ("titlecase", is_titlecase),
                ("cased", is_cased),
                ("case-ignorable", is_case_ignorable),
                ("isidentifier", |c| is_identifier(c.encode_utf8(&mut [0; 4]))),
                ("XID_Continue", is_xid_continue),
            ];
            for (name, pred) in preds {
                let want = lines.next().expect("a line of ranges per predicate");
                assert_eq!(ranges_of(pred), want, "{name}");
            }
            let mut want_lines = Vec::new();
            for line in lines {
                want_lines.push(line.to_string());
            }
            let mut ours = Vec::new();
            for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                let m = mappings_of(c);
                let dec = decimal_value(c).map_or(-1, i64::from);
                if dec >= 0 || m.iter().any(|x| x.chars().ne(std::iter::once(c))) {
                    let hex: Vec<String> = m
                        .iter()
                        .map(|x| x.bytes().map(|b| format!("{b:02x}")).collect())
                        .collect();
                    ours.push(format!("{:x} {dec} {}", c as u32, hex.join(" ")));
                }
            }
            assert!(want_lines.len() > 2800, "python3 printed too little: {}", want_lines.len());
            let diff: Vec<_> = ours
                .iter()
                .zip(&want_lines)
                .filter(|(a, b)| a != b)
                .take(10)
                .collect();
            assert!(diff.is_empty(), "mappings differ (ours, CPython's): {diff:?}");
            assert_eq!(ours.len(), want_lines.len(), "as many characters with mappings");
        }
    }
}
