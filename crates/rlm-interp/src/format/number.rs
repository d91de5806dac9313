//! A number's field in the format mini-language, as CPython lays it out
//! (`Python/formatter_unicode.c`: `calc_number_widths`, `fill_number`, and
//! `_PyUnicode_InsertThousandsGrouping`): padding, sign, prefix, padding
//! after the sign (`=`), the digits grouped (zeros added in front of them
//! when the fill is `0` with `=` alignment, and the separators between
//! those zeros too), the decimal point and the rest (decimals, exponent,
//! `%`, or the whole text of `inf`, `nan` and a `c` character).

use super::fill::push_fill;

/// The separators of a field: none, `,` or `_` every 3 digits, `_` every 4
/// (binary, octal and hexadecimal).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Grouping {
    None,
    Comma,
    Underscore,
    UnderscoreFour,
}

impl Grouping {
    /// The separator and the size of a group, if any.
    fn rule(self) -> Option<(char, usize)> {
        match self {
            Grouping::None => None,
            Grouping::Comma => Some((',', 3)),
            Grouping::Underscore => Some(('_', 3)),
            Grouping::UnderscoreFour => Some(('_', 4)),
        }
    }
}

/// How a field is laid out: its fill, alignment, sign option and width.
pub(crate) struct Layout {
    pub(crate) fill: char,
    pub(crate) align: char,
    /// `+`, `-`, ` ` or `\0` (none given).
    pub(crate) sign: char,
    pub(crate) width: Option<usize>,
    pub(crate) grouping: Grouping,
}

/// A number's text in its parts: whether it is negative, its prefix (`0x`),
/// its leading digits (those grouped), whether a decimal point follows them,
/// and the rest.
pub(crate) struct NumberText<'a> {
    pub(crate) negative: bool,
    pub(crate) prefix: &'a str,
    pub(crate) digits: &'a str,
    pub(crate) decimal: bool,
    pub(crate) rest: &'a str,
}

impl<'a> NumberText<'a> {
    /// `text` (a float's or an int's digits, after its sign) split as
    /// `parse_number` splits it: the leading ASCII digits, a point, the rest.
    pub(crate) fn split(negative: bool, prefix: &'a str, text: &'a str) -> Self {
        let n = text.bytes().take_while(u8::is_ascii_digit).count();
        let decimal = text.as_bytes().get(n) == Some(&b'.');
        let rest = &text[n + usize::from(decimal)..];
        NumberText { negative, prefix, digits: &text[..n], decimal, rest }
    }
}

/// `digits` grouped from the right, with zeros in front while the result
/// is shorter than `min_width` (`_PyUnicode_InsertThousandsGrouping`).
fn group(digits: &str, min_width: i64, rule: Option<(char, usize)>) -> String {
    let mut remaining = digits.len() as i64;
    let mut min_width = min_width.max(0);
    // Groups from the right, each a count of zeros and of digits.
    let mut groups: Vec<(i64, i64)> = Vec::new();
    let mut broken = false;
    if let Some((_, every)) = rule {
        let every = every as i64;
        loop {
            let len = every.min(remaining.max(min_width).max(1));
            let zeros = (len - remaining).max(0);
            let chars = remaining.min(len).max(0);
            groups.push((zeros, chars));
            remaining -= chars;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !broken {
        let len = remaining.max(min_width).max(1);
        groups.push(((len - remaining).max(0), remaining.min(len).max(0)));
    }
    // Written right to left: each group its digits, then its zeros in
    // front of them; the separators between groups.
    let mut pieces: Vec<&str> = Vec::with_capacity(groups.len() * 3);
    let zeros_text = "0".repeat(groups.iter().map(|g| g.0).max().unwrap_or(0) as usize);
    let mut end = digits.len();
    for (i, &(zeros, chars)) in groups.iter().enumerate() {
        if i > 0 {
            pieces.push(rule.map_or("", |r| if r.0 == ',' { "," } else { "_" }));
        }
        let start = end - chars as usize;
        pieces.push(&digits[start..end]);
        pieces.push(&zeros_text[..zeros as usize]);
        end = start;
    }
    pieces.iter().rev().copied().collect()
}

/// The laid-out field (`calc_number_widths` then `fill_number`).
pub(crate) fn lay_out(n: &NumberText<'_>, spec: &Layout) -> String {
    let sign = match (spec.sign, n.negative) {
        (_, true) => Some('-'),
        ('+', false) => Some('+'),
        (' ', false) => Some(' '),
        _ => None,
    };
    let rest_chars = if n.rest.is_ascii() { n.rest.len() } else { n.rest.chars().count() };
    let fixed = usize::from(sign.is_some()) + n.prefix.len() + usize::from(n.decimal) + rest_chars;
    let width = spec.width.map_or(-1, |w| w as i64);
    let min_width = if spec.fill == '0' && spec.align == '=' { width - fixed as i64 } else { 0 };
    // Most fields have no separators and no zeros to add: their digits
    // are written as they are (the grouping walk allocates its groups).
    let grouped: std::borrow::Cow<'_, str> = if n.digits.is_empty() {
        "".into()
    } else if spec.grouping == Grouping::None && min_width <= n.digits.len() as i64 {
        n.digits.into()
    } else {
        group(n.digits, min_width, spec.grouping.rule()).into()
    };
    let padding = (width - (fixed + grouped.len()) as i64).max(0) as usize;
    let (left, inside, right) = match spec.align {
        '<' => (0, 0, padding),
        '^' => (padding / 2, 0, padding - padding / 2),
        '=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    let mut out = String::with_capacity(
        (left + inside + right) * spec.fill.len_utf8() + fixed + grouped.len() + n.rest.len(),
    );
    if left > 0 {
        push_fill(&mut out, spec.fill, left);
    }
    out.extend(sign);
    out.push_str(n.prefix);
    if inside > 0 {
        push_fill(&mut out, spec.fill, inside);
    }
    out.push_str(&grouped);
    if n.decimal {
        out.push('.');
    }
    out.push_str(n.rest);
    if right > 0 {
        push_fill(&mut out, spec.fill, right);
    }
    out
}
