//! The str methods a call site runs without the general path's lookups by
//! name (`vm/method_fast.rs`), resolved from the name and the arguments'
//! shape, and run with the charges `methods::str_method` makes, in its order.

use crate::callbacks::Callbacks;
use crate::fault::R;
use crate::types::str::methods::case_or_strip;
use crate::types::str::split;
use crate::value::*;

/// The str methods a call site runs without the general path's lookups by
/// name (`vm/method_fast.rs`: `line.lower()`, `t.strip()`, `s.split()`,
/// which real programs call once a line): only with arguments that cannot
/// fail its arity check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum StrFast {
    Lower,
    Upper,
    Strip,
    LStrip,
    RStrip,
    Split,
}

impl StrFast {
    /// The fast method `name` is, called with `args`; `None` for any other
    /// method or arguments (the general path runs those, and gives every
    /// error).
    #[inline]
    pub(crate) fn of(name: &str, args: &[Value]) -> Option<StrFast> {
        let m = match name {
            "lower" => StrFast::Lower,
            "upper" => StrFast::Upper,
            "strip" => StrFast::Strip,
            "lstrip" => StrFast::LStrip,
            "rstrip" => StrFast::RStrip,
            "split" => StrFast::Split,
            _ => return None,
        };
        let fits = match (m, args) {
            (_, []) => true,
            (StrFast::Lower | StrFast::Upper, _) => false,
            (_, [Value::Str(_)]) => true,
            _ => false,
        };
        fits.then_some(m)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            StrFast::Lower => "lower",
            StrFast::Upper => "upper",
            StrFast::Strip => "strip",
            StrFast::LStrip => "lstrip",
            StrFast::RStrip => "rstrip",
            StrFast::Split => "split",
        }
    }
}

/// `s.m(args)` as `str_method` runs it once the call is charged: the unit a
/// call, then the method.
pub(crate) fn str_fast_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    m: StrFast,
    args: &[Value],
) -> R<Value> {
    cx.meter().fuel(1)?;
    match m {
        StrFast::Split => split::split_family(cx.meter(), s, "split", args, &Vec::new()),
        _ => case_or_strip(cx, s, m.name(), args),
    }
}
