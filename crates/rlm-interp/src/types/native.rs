//! Native objects' behaviour: the dispatch of attributes, method names,
//! and their costs between a dict view (`dict/view.rs`) and a
//! module's object (its `NativeObject`). The enum and the trait are the
//! value layer's (`value/native.rs`); calling a method is the machine's
//! (`modules/native.rs`).

use std::rc::Rc;

use crate::cost::Over::{All, Arg, Args, WorkDone};
use crate::cost::{CHARWISE, COMPILE, COPY, CostTable, FREE, HASH, HASH_BYTES, TEXT, cost};
use crate::types::dict::view;
use crate::value::*;

pub(crate) fn native_method_names(n: &Native) -> &'static [&'static str] {
    match n {
        Native::DictView(..) => view::METHODS,
        Native::Module(m) => m.method_names(),
    }
}

/// What each native object's methods cost (`builtins/cost.rs`), sorted,
/// beside `native_method_names` (their registration). A pattern's methods
/// cost what `re`'s functions do (the string searched is their first
/// argument); reads of a `StringIO` charge the text they return as they
/// read it; a csv writer charges each row's text as it writes it.
pub(crate) fn native_method_costs(n: &Native) -> CostTable {
    match n {
        Native::DictView(..) => DICT_VIEW_COSTS,
        Native::Module(m) => m.method_costs(),
    }
}

/// `write` charges its text as the output does (`Output::write`).
pub(crate) const SYS_STREAM_COSTS: CostTable = &[("flush", FREE), ("write", FREE)];

pub(crate) const DICT_VIEW_COSTS: CostTable = &[("isdisjoint", cost(All, HASH))];
pub(crate) const PATTERN_COSTS: CostTable = &[
    ("findall", cost(WorkDone, TEXT)),
    ("finditer", cost(WorkDone, TEXT)),
    ("fullmatch", cost(WorkDone, TEXT)),
    ("match", cost(WorkDone, TEXT)),
    ("scanner", FREE),
    ("search", cost(WorkDone, TEXT)),
    ("split", cost(WorkDone, TEXT)),
    ("sub", cost(WorkDone, TEXT)),
    ("subn", cost(WorkDone, TEXT)),
];
/// Each call is one search, charged as it reads (`re/engine.rs`).
pub(crate) const SCANNER_COSTS: CostTable =
    &[("match", cost(WorkDone, TEXT)), ("search", cost(WorkDone, TEXT))];
pub(crate) const MATCH_COSTS: CostTable = &[
    ("end", FREE),
    ("expand", cost(Arg(0), TEXT)),
    ("group", FREE),
    ("groupdict", FREE),
    ("groups", FREE),
    ("span", FREE),
    ("start", FREE),
];
pub(crate) const DATETIME_COSTS: CostTable = &[
    ("combine", FREE),
    ("ctime", FREE),
    ("date", FREE),
    ("fromisocalendar", FREE),
    ("fromisoformat", cost(Args, CHARWISE)),
    ("fromordinal", FREE),
    ("isocalendar", FREE),
    ("isoformat", FREE),
    ("isoweekday", FREE),
    ("replace", FREE),
    ("strftime", cost(Arg(0), TEXT)),
    ("strptime", cost(Args, COMPILE)),
    ("time", FREE),
    ("timestamp", FREE),
    ("timetuple", FREE),
    ("toordinal", FREE),
    ("weekday", FREE),
];
pub(crate) const STRINGIO_COSTS: CostTable = &[
    ("close", FREE),
    ("getvalue", FREE),
    ("read", FREE),
    ("readline", FREE),
    ("readlines", FREE),
    ("seek", FREE),
    ("tell", FREE),
    ("truncate", FREE),
    ("write", cost(Arg(0), COPY)),
    ("writelines", cost(Arg(0), COPY)),
];
pub(crate) const CSV_WRITER_COSTS: CostTable =
    &[("writeheader", FREE), ("writerow", cost(Arg(0), TEXT)), ("writerows", cost(Arg(0), TEXT))];

/// What the methods of type objects cost (`dict.fromkeys`, `str.maketrans`,
/// `datetime.strptime`...), sorted.
pub(crate) const TYPE_METHOD_COSTS: CostTable = &[
    ("combine", FREE),
    ("fromhex", cost(Arg(0), CHARWISE)),
    ("fromisocalendar", FREE),
    ("fromisoformat", cost(Args, CHARWISE)),
    ("fromkeys", cost(Arg(0), HASH_BYTES)),
    ("fromordinal", FREE),
    ("maketrans", cost(Args, HASH)),
    ("strptime", cost(Args, COMPILE)),
];

pub(crate) fn native_attr(n: &Rc<Native>, name: &str) -> Option<Value> {
    match &**n {
        Native::DictView(..) => None,
        Native::Module(m) => m.attr(name),
    }
}
