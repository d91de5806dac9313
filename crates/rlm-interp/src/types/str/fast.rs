//! The str methods a call site runs without the general path's lookups by
//! name (`vm/method_fast.rs`), resolved from the name and the arguments'
//! shape, and run with the charges `methods::str_method` makes, in its order.

use crate::callbacks::Callbacks;
use crate::cost::Cost;
use crate::fault::R;
use crate::types::str::methods::{
    CASE_COST, SEARCH_COST, SPLIT_COST, STRIP_COST, case_or_strip, str_search,
};
use crate::types::str::split;
use crate::value::*;

/// The str methods a call site runs without the general path's lookups by
/// name (`vm/method_fast.rs`: `line.lower()`, `t.strip()`, `s.split()`,
/// which real programs call once a line, `chunk.count(w)` once a chunk):
/// only with arguments that cannot fail its arity check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum StrFast {
    Lower,
    Upper,
    Strip,
    LStrip,
    RStrip,
    Split,
    Count,
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
            "count" => StrFast::Count,
            _ => return None,
        };
        let fits = match (m, args) {
            // `count` needs its substring (none: the general path's error).
            (StrFast::Count, []) => false,
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
            StrFast::Count => "count",
        }
    }

    /// Its entry in `STR_COSTS` (the same constant), read without a search
    /// of the table by name.
    pub(crate) fn cost(self) -> Cost {
        match self {
            StrFast::Lower | StrFast::Upper => CASE_COST,
            StrFast::Strip | StrFast::LStrip | StrFast::RStrip => STRIP_COST,
            StrFast::Split => SPLIT_COST,
            StrFast::Count => SEARCH_COST,
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
        StrFast::Count => str_search(cx, s, "count", args),
        _ => case_or_strip(cx, s, m.name(), args),
    }
}

#[cfg(test)]
mod tests {
    use super::StrFast;
    use crate::cost::lookup;
    use crate::types::str::methods::STR_COSTS;

    /// Each fast method costs what the table says its name costs (the
    /// general path's charge).
    #[test]
    fn fast_costs_are_the_tables() {
        use StrFast::*;
        for m in [Lower, Upper, Strip, LStrip, RStrip, Split, Count] {
            assert_eq!(m.cost(), lookup(STR_COSTS, m.name()), "{}", m.name());
        }
    }
}
