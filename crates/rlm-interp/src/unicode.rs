//! Unicode character properties as CPython sees them (its Unicode version,
//! its definitions of decimal/digit/numeric and of titlecase), over the
//! generated tables in `unicode_tables.rs`.

use crate::unicode_tables::{ALPHA, CASEFOLD, DECIMAL, DIGIT, NUMERIC, PRINTABLE, TITLECASE};

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
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
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
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
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c
            } else if py_isspace(c) {
                ' '
            } else {
                decimal_value(c).and_then(|d| char::from_digit(d, 10)).unwrap_or('?')
            }
        })
        .collect::<String>()
        .into()
}

/// `str.isdigit` for one character (Numeric_Type Decimal or Digit).
pub(crate) fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(DIGIT, c))
}

/// `str.isnumeric` for one character (any Numeric_Type).
pub(crate) fn is_numeric(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(NUMERIC, c))
}

/// Cased in CPython's sense (Lowercase, Uppercase or titlecase letter):
/// what `str.title` looks at to decide where a word starts.
pub(crate) fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase(c)
}

/// A titlecase letter (general category Lt, e.g. `ǅ`).
pub(crate) fn is_titlecase(c: char) -> bool {
    // Lt letters are exactly the characters that are their own titlecase
    // but neither upper- nor lowercase.
    !c.is_lowercase()
        && !c.is_uppercase()
        && TITLECASE.binary_search_by_key(&c, |&(k, _)| k).is_ok_and(|i| {
            let mut t = TITLECASE[i].1.chars();
            t.next() == Some(c) && t.next().is_none()
        })
}

/// Push the titlecase mapping of `c` (`'ǆ'` → `"ǅ"`, `'ß'` → `"Ss"`).
pub(crate) fn push_title(c: char, out: &mut String) {
    match TITLECASE.binary_search_by_key(&c, |&(k, _)| k) {
        Ok(i) => out.push_str(TITLECASE[i].1),
        Err(_) => out.extend(c.to_uppercase()),
    }
}

/// `c` case-folded into `out`, as `str.casefold` folds it: the full folding
/// where it differs from the lowercase (`ß` to `ss`, `ﬁ` to `fi`, `ς` to
/// `σ`), the lowercase elsewhere.
pub(crate) fn push_casefold(c: char, out: &mut String) {
    match CASEFOLD.binary_search_by_key(&c, |&(k, _)| k) {
        Ok(i) => out.push_str(CASEFOLD[i].1),
        Err(_) => out.extend(c.to_lowercase()),
    }
}

/// Python's `str.isspace` for one character.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    rlm_testenv::needs_python3! {
        /// The case foldings that differ from the lowercase, against CPython's.
        #[test]
        fn casefold_specials_match_cpython() {
            let script = "import sys\nfor cp in range(sys.maxunicode + 1):\n    c = chr(cp)\n    if 0xD800 <= cp <= 0xDFFF or c.casefold() == c.lower():\n        continue\n    print(f'{cp:x} {c.casefold().encode().hex()}')\n";
            let Ok(o) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
                panic!("python3 did not start (needed: the test environment probed it)");
            };
            let text = String::from_utf8(o.stdout).expect("utf-8");
            let mut n = 0;
            for line in text.lines() {
                let (cp, hex) = line.split_once(' ').expect("two fields");
                let c = char::from_u32(u32::from_str_radix(cp, 16).expect("hex")).expect("char");
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                    .collect();
                let mut ours = String::new();
                push_casefold(c, &mut ours);
                assert_eq!(ours.as_bytes(), &bytes[..], "U+{cp}");
                n += 1;
            }
            assert_eq!(n, CASEFOLD.len(), "the table holds exactly CPython's specials");
        }

        /// Every code point against the python3 on this machine (skipped without
        /// one): the generated tables must be CPython's, not an approximation.
        /// CPython sends each predicate as ranges of code points, and the
        /// decimal value and titlecase of the few characters that have special
        /// ones. (Plain upper/lower mappings come from Rust's std and follow its
        /// newer Unicode version; only the titlecase specials are checked here.)
        #[test]
        fn predicates_and_titlecase_match_cpython_for_every_code_point() {
            let script = r#"
import sys, unicodedata
preds = [str.isdecimal, str.isdigit, str.isnumeric, str.isalpha, str.isalnum, str.isprintable]
for pred in preds:
    out, start = [], None
    for cp in range(sys.maxunicode + 2):
        ok = cp <= sys.maxunicode and pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append(f"{start:x}-{cp - 1:x}")
            start = None
    print(" ".join(out))
for cp in range(sys.maxunicode + 1):
    c = chr(cp)
    dec = unicodedata.decimal(c, -1)
    if 0xD800 <= cp <= 0xDFFF or (dec < 0 and c.title() == c.upper()):
        continue
    print(f"{cp:x} {dec} {c.title().encode('utf-8').hex()}")
"#;
            let Ok(o) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
                panic!("python3 did not start (needed: the test environment probed it)");
            };
            let text = String::from_utf8(o.stdout).expect("utf-8");
            let mut lines = text.lines();
            type Predicate = (&'static str, fn(char) -> bool);
            let preds: [Predicate; 6] = [
                ("isdecimal", is_decimal),
                ("isdigit", is_digit),
                ("isnumeric", is_numeric),
                ("isalpha", is_alpha),
                ("isalnum", is_alnum),
                ("isprintable", is_printable),
            ];
            let mut mismatches = Vec::new();
            for (name, pred) in preds {
                let line = lines.next().expect("a line of ranges per predicate");
                let mut want = vec![false; 0x110000];
                for r in line.split(' ').filter(|r| !r.is_empty()) {
                    let (a, b) = r.split_once('-').expect("range");
                    let (a, b) = (
                        u32::from_str_radix(a, 16).expect("hex"),
                        u32::from_str_radix(b, 16).expect("hex"),
                    );
                    for cp in a..=b {
                        want[cp as usize] = true;
                    }
                }
                for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                    if pred(c) != want[c as usize] {
                        mismatches.push(format!("U+{:04X}: {name} {}", c as u32, pred(c)));
                    }
                }
            }
            let mut specials = 0;
            for line in lines {
                let mut it = line.split(' ');
                let cp = u32::from_str_radix(it.next().unwrap_or(""), 16).expect("code point");
                let c = char::from_u32(cp).expect("char");
                let dec: i64 = it.next().unwrap_or("").parse().expect("decimal value");
                if decimal_value(c).map_or(-1, i64::from) != dec {
                    mismatches.push(format!("U+{cp:04X}: decimal value, want {dec}"));
                }
                let hex = it.next().unwrap_or("");
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                    .collect();
                let want = String::from_utf8(bytes).expect("utf-8");
                let mut ours = String::new();
                push_title(c, &mut ours);
                if ours != want {
                    mismatches.push(format!("U+{cp:04X}: title {ours:?} want {want:?}"));
                }
                specials += 1;
            }
            assert!(specials > 500, "python3 printed too little: {specials}");
            assert!(
                mismatches.is_empty(),
                "{} mismatches: {:?}",
                mismatches.len(),
                &mismatches[..mismatches.len().min(20)]
            );
        }
    }
}
