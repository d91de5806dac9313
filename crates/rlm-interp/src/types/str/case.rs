//! The changes of case of a whole string and the case predicates, as
//! CPython's `unicodeobject.c` writes them (`do_lower`, `do_title`,
//! `do_capitalize`, `do_swapcase`, `handle_capital_sigma`, `unicode_isupper`
//! ...), over the character mappings of `crate::unicode` (Unicode 14.0).
//! ASCII text is changed and tested a byte at a time.

use crate::fault::R;
use crate::meter::Meter;
use crate::types::str::py_isspace;
use crate::unicode::{
    is_case_ignorable, is_cased, is_lower, is_titlecase, is_upper, push_casefold, push_lower,
    push_title, push_upper,
};

/// The greek capital sigma, whose lowercase depends on its neighbours.
const CAPITAL_SIGMA: char = '\u{3a3}';

/// A mapping's text, its growth checked against the memory budget before
/// each doubling (a mapping may triple the text: `'ΐ'.upper()`).
struct Mapped {
    out: String,
}

impl Mapped {
    fn new(text: &str) -> Self {
        Mapped { out: String::with_capacity(text.len()) }
    }

    /// Room for one more character's mapping (at most 3 characters of 4
    /// bytes).
    #[inline]
    fn room(&mut self, meter: &mut Meter) -> R<()> {
        if self.out.capacity() - self.out.len() < 12 {
            meter.check_text_growth(self.out.capacity())?;
            self.out.reserve(12);
        }
        Ok(())
    }
}

/// Every character of `text` mapped by `each` (given the text and the
/// character's byte offset, for the final sigma).
fn map_chars(
    meter: &mut Meter,
    text: &str,
    mut each: impl FnMut(&str, usize, char, &mut String),
) -> R<String> {
    let mut m = Mapped::new(text);
    let (mut blocks, mut paid) = (crate::cost::Blocks::new(), 0);
    for (at, c) in text.char_indices() {
        // Each block's characters looked up in the tables, paid before it
        // is mapped.
        if at >= paid {
            let mut end = (at + blocks.next_len()).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let wide = text.as_bytes()[at..end].iter().filter(|b| !b.is_ascii()).count();
            meter.charge_work(crate::cost::UNICODE_LOOKUP, wide, end - at)?;
            paid = end;
        }
        m.room(meter)?;
        each(text, at, c, &mut m.out);
    }
    Ok(m.out)
}

/// `c` (at byte `at` of `text`) lowercased, a capital sigma by the
/// final-sigma rule (`lower_ucs4`).
fn push_lower_at(text: &str, at: usize, c: char, out: &mut String) {
    if c == CAPITAL_SIGMA {
        out.push(if final_sigma(text, at) { '\u{3c2}' } else { '\u{3c3}' });
    } else {
        push_lower(c, out);
    }
}

/// Whether the capital sigma at byte `at` ends a word: a cased character
/// before it and none after it, case-ignorable ones looked through on both
/// sides (`handle_capital_sigma`).
fn final_sigma(text: &str, at: usize) -> bool {
    let before = text[..at].chars().rev().find(|c| !is_case_ignorable(*c));
    if !before.is_some_and(is_cased) {
        return false;
    }
    let after = text[at + CAPITAL_SIGMA.len_utf8()..].chars().find(|c| !is_case_ignorable(*c));
    !after.is_some_and(is_cased)
}

/// `str.lower`.
pub(crate) fn lower(meter: &mut Meter, text: &str) -> R<String> {
    map_chars(meter, text, push_lower_at)
}

/// `str.upper`.
pub(crate) fn upper(meter: &mut Meter, text: &str) -> R<String> {
    map_chars(meter, text, |_, _, c, out| push_upper(c, out))
}

/// `str.casefold` (no final-sigma rule: `ς` folds to `σ`).
pub(crate) fn casefold(meter: &mut Meter, text: &str) -> R<String> {
    map_chars(meter, text, |_, _, c, out| push_casefold(c, out))
}

/// `str.title`: a character after a cased one lowercased, any other
/// titlecased.
pub(crate) fn title(meter: &mut Meter, text: &str) -> R<String> {
    let mut prev_cased = false;
    map_chars(meter, text, |text, at, c, out| {
        if prev_cased {
            push_lower_at(text, at, c, out);
        } else {
            push_title(c, out);
        }
        prev_cased = is_cased(c);
    })
}

/// `str.capitalize`: the first character titlecased (`ß` gives `Ss`, `ﬁ`
/// gives `Fi`), the rest lowercased (a final sigma as `ς`).
pub(crate) fn capitalize(meter: &mut Meter, text: &str) -> R<String> {
    map_chars(meter, text, |text, at, c, out| {
        if at == 0 {
            push_title(c, out);
        } else {
            push_lower_at(text, at, c, out);
        }
    })
}

/// `str.swapcase`: an uppercase character lowercased, a lowercase one
/// uppercased, others kept (a titlecase letter is neither).
pub(crate) fn swapcase(meter: &mut Meter, text: &str) -> R<String> {
    map_chars(meter, text, |text, at, c, out| {
        if is_upper(c) {
            push_lower_at(text, at, c, out);
        } else if is_lower(c) {
            push_upper(c, out);
        } else {
            out.push(c);
        }
    })
}

/// `str.isupper`: an uppercase character and no lowercase or titlecase one.
pub(crate) fn is_upper_text(text: &str) -> bool {
    let mut cased = false;
    for c in text.chars() {
        if is_lower(c) || is_titlecase(c) {
            return false;
        }
        cased = cased || is_upper(c);
    }
    cased
}

/// `str.islower`: a lowercase character and no uppercase or titlecase one.
pub(crate) fn is_lower_text(text: &str) -> bool {
    let mut cased = false;
    for c in text.chars() {
        if is_upper(c) || is_titlecase(c) {
            return false;
        }
        cased = cased || is_lower(c);
    }
    cased
}

/// `str.istitle`: uppercase and titlecase characters only after uncased
/// ones, lowercase ones only after cased ones, and one cased at least.
pub(crate) fn is_title_text(text: &str) -> bool {
    let (mut cased, mut prev_cased) = (false, false);
    for c in text.chars() {
        if is_upper(c) || is_titlecase(c) {
            if prev_cased {
                return false;
            }
            (prev_cased, cased) = (true, true);
        } else if is_lower(c) {
            if !prev_cased {
                return false;
            }
            (prev_cased, cased) = (true, true);
        } else {
            prev_cased = false;
        }
    }
    cased
}

/// `str.title`, `str.capitalize` or `str.swapcase` (`name`) of `text`, an
/// ASCII one (`ascii`) a byte at a time.
pub(crate) fn change_case(meter: &mut Meter, text: &str, ascii: bool, name: &str) -> R<String> {
    if ascii {
        return Ok(match name {
            "capitalize" => ascii_capitalize(text),
            "swapcase" => ascii_swapcase(text),
            _ => ascii_title(text),
        });
    }
    // Non-ASCII is mapped a character at a time, paid by `case` per
    // non-ASCII byte as it reads (see `casefold`).
    match name {
        "capitalize" => capitalize(meter, text),
        "swapcase" => swapcase(meter, text),
        _ => title(meter, text),
    }
}

/// `str.capitalize` of ASCII text: its first letter upper, the rest lower,
/// a byte at a time (per character case mapping made it 17x the dispatch
/// loop's time a fuel unit, issue #59's calibration re-run).
fn ascii_capitalize(text: &str) -> String {
    let mut out = text.to_ascii_lowercase();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// `str.title` of ASCII text: a letter after a letter lower, any other upper.
fn ascii_title(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut prev_cased = false;
    for b in &mut bytes {
        if prev_cased {
            b.make_ascii_lowercase()
        } else {
            b.make_ascii_uppercase()
        }
        prev_cased = b.is_ascii_alphabetic();
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// `str.swapcase` of ASCII text, byte by byte.
fn ascii_swapcase(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for b in &mut bytes {
        if b.is_ascii_alphabetic() {
            *b ^= 0x20;
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// A predicate of ASCII text, a byte at a time (the Unicode tests a
/// character at a time ran `istitle`, `isupper` 8x the loop's time a unit:
/// issue #77); `None` for the rest.
pub(crate) fn ascii_predicate(b: &[u8], name: &str) -> Option<bool> {
    let all = |f: fn(&u8) -> bool| !b.is_empty() && b.iter().all(f);
    Some(match name {
        "isdigit" | "isnumeric" | "isdecimal" => all(u8::is_ascii_digit),
        "isalpha" => all(u8::is_ascii_alphabetic),
        "isalnum" => all(u8::is_ascii_alphanumeric),
        "isspace" => all(|&c| py_isspace(char::from(c))),
        "isprintable" => b.iter().all(|c| (0x20..0x7f).contains(c)),
        "isupper" => !b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase),
        "islower" => !b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase),
        "istitle" => {
            let (mut cased, mut prev_cased) = (false, false);
            for c in b {
                if c.is_ascii_uppercase() {
                    if prev_cased {
                        return Some(false);
                    }
                    (prev_cased, cased) = (true, true);
                } else if c.is_ascii_lowercase() {
                    if !prev_cased {
                        return Some(false);
                    }
                    (prev_cased, cased) = (true, true);
                } else {
                    prev_cased = false;
                }
            }
            cased
        }
        _ => return None,
    })
}
