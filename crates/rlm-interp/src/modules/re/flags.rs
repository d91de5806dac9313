//! The `re` module's flags (`re.I`, `re.M`...), CPython's values: read by
//! the engine that compiles patterns and by a pattern's attributes, apart
//! from the module's table (`mod.rs`), which names the functions that name
//! the engine (issue #59: `re`'s circle). The module's flags are
//! `re.RegexFlag` values ([`RegexFlag`]): ints that print by name.

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::fault::{R, exc};
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const IGNORECASE: i64 = 2;
pub(crate) const LOCALE: i64 = 4;
pub(crate) const MULTILINE: i64 = 8;
pub(crate) const DOTALL: i64 = 16;
pub(crate) const UNICODE: i64 = 32;
pub(crate) const VERBOSE: i64 = 64;
pub(crate) const ASCII: i64 = 256;
pub(crate) const TEMPLATE: i64 = 1;
pub(crate) const DEBUG: i64 = 128;

/// The flags' names in `re.RegexFlag`'s order, which its repr follows.
const NAMES: [(i64, &str); 9] = [
    (ASCII, "ASCII"),
    (IGNORECASE, "IGNORECASE"),
    (LOCALE, "LOCALE"),
    (UNICODE, "UNICODE"),
    (MULTILINE, "MULTILINE"),
    (DOTALL, "DOTALL"),
    (VERBOSE, "VERBOSE"),
    (TEMPLATE, "TEMPLATE"),
    (DEBUG, "DEBUG"),
];

/// Every flag's bit.
const ALL_BITS: i64 =
    ASCII | IGNORECASE | LOCALE | UNICODE | MULTILINE | DOTALL | VERBOSE | TEMPLATE | DEBUG;

/// CPython's repr of a combination of flags: `re.IGNORECASE|re.DOTALL`, the
/// bits no flag names in hex after them (`re.IGNORECASE|0x100000`).
pub(crate) fn flags_repr(flags: i64) -> String {
    flags_names(flags, "re.")
}

/// The flags' names joined by `|`, each after `prefix`, then the bits no
/// flag names in hex (`NOFLAG` for none).
fn flags_names(flags: i64, prefix: &str) -> String {
    let mut parts: Vec<String> = NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| format!("{prefix}{name}"))
        .collect();
    let rest = flags & !ALL_BITS;
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() { format!("{prefix}NOFLAG") } else { parts.join("|") }
}

/// A flag of `re` (`re.IGNORECASE`, `re.I | re.M`): CPython's
/// `re.RegexFlag`, an `IntFlag`. It is its int wherever an int goes
/// (`NativeObject::as_int`: arithmetic, comparison, hashing, indexing,
/// formatting with a spec, the flags of `re`'s functions); `|`, `&`, `^`
/// and `~` keep it a flag ([`flag_binary`], [`flag_invert`]); its repr and
/// `str` name its flags (`re.IGNORECASE|re.MULTILINE`).
pub(crate) struct RegexFlag(i64);

impl RegexFlag {
    /// The flag of value `v` as a value: a negative `v` (`~re.I`) is kept as
    /// enum's `KEEP` boundary keeps it, the bits up to the flags' highest
    /// (or `v`'s) set (`~re.I` is every flag but `re.I`); `None` past 64 bits.
    fn value(v: i64) -> Option<Value> {
        let v = if v < 0 {
            let bits = 64 - v.unsigned_abs().leading_zeros();
            let top = if bits >= 63 { return None } else { 1i64 << bits };
            top.max(ALL_BITS + 1) + v
        } else {
            v
        };
        Some(Native::value(RegexFlag(v)))
    }
}

/// A flag of `re`'s table (`mod.rs`).
pub(crate) fn flag(v: i64) -> Value {
    Native::value(RegexFlag(v))
}

fn is_flag(v: &Value) -> bool {
    Native::of::<RegexFlag>(v).is_some()
}

/// `re.I | re.M`, `re.I & 2`, `1 ^ re.I`: a flag when either side is one
/// but a bool on the left (`True | re.I` is bool's `|`, an int, as a flag
/// is no bool); `None` for any other operator or operands, which compute as
/// ints.
pub(crate) fn flag_binary(op: BinOp, a: &Value, b: &Value, x: i64, y: i64) -> Option<R<Value>> {
    let v = match op {
        BinOp::BitOr => x | y,
        BinOp::BitAnd => x & y,
        BinOp::BitXor => x ^ y,
        _ => return None,
    };
    (is_flag(a) || is_flag(b) && !matches!(a, Value::Bool(AlignedBool(_))))
        .then(|| flag_or_overflow(v))
}

/// The flag of value `v`, or CPython's error for a flag past 64 bits.
fn flag_or_overflow(v: i64) -> R<Value> {
    match RegexFlag::value(v) {
        Some(v) => Ok(v),
        None => exc(ExcKind::OverflowError, "Python int too large to convert to C long"),
    }
}

/// `~re.I`: the flags it does not have (`None` for a value that is no flag).
pub(crate) fn flag_invert(op: UnaryOp, a: &Value) -> Option<R<Value>> {
    if op != UnaryOp::Invert {
        return None;
    }
    let f = Native::of::<RegexFlag>(a)?;
    Some(flag_or_overflow(!f.0))
}

impl NativeObject for RegexFlag {
    fn ty(&self) -> Ty {
        Ty::Other(&"re.RegexFlag")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text(flags_repr(self.0))]
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match name {
            "value" => Some(Value::Int(self.0)),
            "name" => Some(Value::str(flags_names(self.0, ""))),
            _ => None,
        }
    }

    fn as_int(&self) -> Option<i64> {
        Some(self.0)
    }

    fn truthy(&self) -> bool {
        self.0 != 0
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<RegexFlag>()
    }
}

/// The flags a pattern's leading `(?aiLmsux)` groups turn on (sre reads
/// global flags at the start only).
pub(crate) fn inline_flags(source: &str) -> i64 {
    let mut flags = 0;
    let mut rest = source;
    while let Some(body) = rest.strip_prefix("(?") {
        let Some(end) = body.find(')') else { break };
        let letters = &body[..end];
        let mut these = 0;
        for c in letters.chars() {
            these |= match c {
                'a' => ASCII,
                'i' => IGNORECASE,
                'L' => LOCALE,
                'm' => MULTILINE,
                's' => DOTALL,
                'u' => UNICODE,
                'x' => VERBOSE,
                _ => return flags,
            };
        }
        if letters.is_empty() {
            break;
        }
        flags |= these;
        rest = &body[end + 1..];
    }
    flags
}

/// A str pattern's `flags`: as given, its leading inline flags, and
/// `re.UNICODE` unless `re.ASCII` or `re.LOCALE` is on.
pub(crate) fn pattern_flags(given: i64, source: &str) -> i64 {
    let flags = given | inline_flags(source);
    if flags & (ASCII | LOCALE) == 0 { flags | UNICODE } else { flags }
}
