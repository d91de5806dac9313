//! The importable modules, one file or folder each, and the registry below
//! (one line per module) that `import` and calls of module functions read.
//! A module's native objects (compiled patterns, dates...) live in its folder;
//! `types/native.rs` dispatches their attributes and method tables,
//! `native.rs` their methods.

pub(crate) mod asyncio;
pub(crate) mod collections;
pub(crate) mod csv;
pub(crate) mod datetime;
pub(crate) mod function;
pub(crate) mod functools;
pub(crate) mod io;
pub(crate) mod itertools;
pub(crate) mod json;
pub(crate) mod math;
pub(crate) mod native;
pub(crate) mod operator;
pub(crate) mod random;
pub(crate) mod re;
pub(crate) mod string;
pub(crate) mod sys;
pub(crate) mod textwrap;

use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::cost::Over::{Arg, Args, WorkDone};
use crate::cost::{
    CALLBACK, CHARWISE, COMPILE, COPY, CostTable, FREE, HASH, PIECES, ROWS, SCAN, TEXT, cost,
};
use crate::fault::{R, exc};
use crate::value::*;

/// A module's attributes, built on its first import in a session.
type Attrs = fn() -> Vec<(&'static str, Value)>;
/// A call of one of the module's functions: `(program, function name, args,
/// kwargs)`.
type Call<C> = fn(&mut C, &str, Vec<Value>, Kwargs) -> R<Value>;

/// Every module a program may import, in the order error messages list them,
/// with what each of its functions costs (`builtins/cost.rs`; its types'
/// constructors are in `builtins/constructors.rs`). Its functions are in
/// [`calls_of`].
const REGISTRY: &[(&str, Attrs, CostTable)] = &[
    ("re", re::attrs, RE_COSTS),
    ("json", json::attrs, JSON_COSTS),
    ("math", math::attrs, MATH_COSTS),
    ("collections", collections::attrs, &[("namedtuple", FREE)]),
    ("itertools", itertools::attrs, ITERTOOLS_COSTS),
    ("functools", functools::attrs, FUNCTOOLS_COSTS),
    ("string", string::attrs, &[("capwords", cost(Arg(0), PIECES))]),
    ("textwrap", textwrap::attrs, TEXTWRAP_COSTS),
    ("asyncio", asyncio::attrs, ASYNCIO_COSTS),
    ("datetime", datetime::attrs, &[]),
    ("csv", csv::attrs, CSV_COSTS),
    ("io", io::attrs, &[("StringIO", cost(Arg(0), COPY))]),
    ("sys", sys::attrs, SYS_COSTS),
    ("operator", operator::attrs, OPERATOR_COSTS),
    ("random", random::attrs, random::COSTS),
];

/// A module's own type (`re.Pattern`, `random.Random`): its name as the cost
/// table qualifies its methods, the methods it registers, and what each
/// costs. Listed here, beside the modules' lines, so that the cost table
/// (`builtins::cost::entries`), its coverage test and the fuel probes
/// (`tests/fuel_cost_table.rs`) find every type a module adds without a
/// second registration.
pub(crate) struct ModuleType {
    pub(crate) name: &'static str,
    /// What the cost table's coverage test compares `costs` with (the
    /// machine asks the object itself: `NativeObject::method_names`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) methods: &'static [&'static str],
    pub(crate) costs: CostTable,
}

/// Every module's own types with methods (a date's methods depend on its
/// kind: the cost table's coverage test asks each kind of date for them).
pub(crate) const TYPES: &[ModuleType] = &[
    ModuleType {
        name: "re.Pattern",
        methods: re::pattern::METHODS,
        costs: crate::types::native::PATTERN_COSTS,
    },
    ModuleType {
        name: "re.Match",
        methods: re::match_obj::METHODS,
        costs: crate::types::native::MATCH_COSTS,
    },
    ModuleType {
        name: "re.SRE_Scanner",
        methods: re::scanner::METHODS,
        costs: crate::types::native::SCANNER_COSTS,
    },
    ModuleType {
        name: "datetime.datetime",
        methods: &[],
        costs: crate::types::native::DATETIME_COSTS,
    },
    ModuleType {
        name: "io.StringIO",
        methods: crate::types::stringio::METHODS,
        costs: crate::types::native::STRINGIO_COSTS,
    },
    ModuleType {
        name: "csv.writer",
        methods: csv::WRITER_METHODS,
        costs: crate::types::native::CSV_WRITER_COSTS,
    },
    ModuleType {
        name: "sys.stdout",
        methods: sys::STREAM_METHODS,
        costs: crate::types::native::SYS_STREAM_COSTS,
    },
    ModuleType { name: "random.Random", methods: random::METHODS, costs: random::METHOD_COSTS },
];

/// The function calls of each module of `REGISTRY`. Generic over the
/// program the functions call back into (`Callbacks`, issue #59), so not in
/// the registry's table: a constant cannot hold a generic function, and a
/// `dyn Callbacks` would make every charge and callback of a module an
/// indirect call.
fn calls_of<C: Callbacks + ?Sized>(m: &str) -> Option<Call<C>> {
    Some(match m {
        "re" => re::call,
        "json" => json::call,
        "math" => math::call,
        "collections" => collections::call,
        "itertools" => itertools::call,
        "functools" => functools::call,
        "string" => string::call,
        "textwrap" => textwrap::call,
        "asyncio" => asyncio::call,
        "datetime" => datetime::call,
        "csv" => csv::call,
        "io" => io::call,
        "sys" => sys::call,
        "operator" => operator::call,
        "random" => random::call,
        _ => return None,
    })
}

/// Each is the machine's operator, subscript, attribute or method call,
/// charged as the program's own (`countOf`/`indexOf` a unit an item drawn,
/// as a `for` loop; a getter a unit a part read).
const OPERATOR_COSTS: CostTable = &[
    ("abs", FREE),
    ("add", FREE),
    ("and_", FREE),
    ("attrgetter", FREE),
    ("call", FREE),
    ("concat", FREE),
    ("contains", FREE),
    ("countOf", FREE),
    ("eq", FREE),
    ("floordiv", FREE),
    ("ge", FREE),
    ("getitem", FREE),
    ("gt", FREE),
    ("index", FREE),
    ("indexOf", FREE),
    ("inv", FREE),
    ("invert", FREE),
    ("is_", FREE),
    ("is_not", FREE),
    ("itemgetter", FREE),
    ("le", FREE),
    ("lshift", FREE),
    ("lt", FREE),
    ("methodcaller", FREE),
    ("mod", FREE),
    ("mul", FREE),
    ("ne", FREE),
    ("neg", FREE),
    ("not_", FREE),
    ("or_", FREE),
    ("pos", FREE),
    ("pow", FREE),
    ("rshift", FREE),
    ("sub", FREE),
    ("truediv", FREE),
    ("truth", FREE),
    ("xor", FREE),
];

/// `getsizeof` reads capacities, not items; the recursion limit is a field.
const SYS_COSTS: CostTable =
    &[("getrecursionlimit", FREE), ("getsizeof", FREE), ("setrecursionlimit", FREE)];

/// Numbers in, a number out; the three that read a sequence over it.
const MATH_COSTS: CostTable = &[
    ("acos", FREE),
    ("acosh", FREE),
    ("asin", FREE),
    ("asinh", FREE),
    ("atan", FREE),
    ("atan2", FREE),
    ("atanh", FREE),
    ("ceil", FREE),
    ("comb", FREE),
    ("copysign", FREE),
    ("cos", FREE),
    ("cosh", FREE),
    ("degrees", FREE),
    ("dist", cost(Args, SCAN)),
    ("exp", FREE),
    ("expm1", FREE),
    ("fabs", FREE),
    ("factorial", FREE),
    ("floor", FREE),
    ("fmod", FREE),
    ("frexp", FREE),
    ("fsum", cost(Arg(0), SCAN)),
    ("gcd", FREE),
    ("hypot", FREE),
    ("isclose", FREE),
    ("isfinite", FREE),
    ("isinf", FREE),
    ("isnan", FREE),
    ("isqrt", FREE),
    ("lcm", FREE),
    ("ldexp", FREE),
    ("log", FREE),
    ("log10", FREE),
    ("log1p", FREE),
    ("log2", FREE),
    ("modf", FREE),
    ("perm", FREE),
    ("pow", FREE),
    ("prod", cost(Arg(0), SCAN)),
    ("radians", FREE),
    ("remainder", FREE),
    ("sin", FREE),
    ("sinh", FREE),
    ("sqrt", FREE),
    ("tan", FREE),
    ("tanh", FREE),
    ("trunc", FREE),
];
/// Awaitables are made, not run: their host calls are the embedder's.
const ASYNCIO_COSTS: CostTable = &[
    ("Event", FREE),
    ("Future", FREE),
    ("Lock", FREE),
    ("Queue", FREE),
    ("Semaphore", FREE),
    ("TaskGroup", FREE),
    ("all_tasks", FREE),
    ("as_completed", FREE),
    ("create_task", FREE),
    ("current_task", FREE),
    ("ensure_future", FREE),
    ("gather", FREE),
    ("iscoroutine", FREE),
    ("run", FREE),
    ("shield", FREE),
    ("sleep", FREE),
    ("timeout", FREE),
    ("timeout_at", FREE),
    ("wait_for", FREE),
];
/// Sorted, as every cost table. A search reads the string's bytes, and the
/// pattern's (the cache is keyed by a copy of it); the engine charges its
/// steps and backtracking besides (`re/engine.rs`).
const RE_COSTS: CostTable = &[
    ("compile", cost(Arg(0), COMPILE)),
    ("escape", cost(Arg(0), CHARWISE)),
    ("findall", cost(WorkDone, TEXT)),
    ("finditer", cost(WorkDone, TEXT)),
    ("fullmatch", cost(WorkDone, TEXT)),
    ("match", cost(WorkDone, TEXT)),
    ("search", cost(WorkDone, TEXT)),
    ("split", cost(WorkDone, TEXT)),
    ("sub", cost(WorkDone, TEXT)),
    ("subn", cost(WorkDone, TEXT)),
];
/// `dumps` charges each value it writes (`FUEL_PER_VALUE_WRITTEN`).
const JSON_COSTS: CostTable = &[("dumps", FREE), ("loads", cost(Arg(0), CHARWISE))];
/// The infinite ones (`count`, `cycle`, `repeat`) and `islice` are lazy and
/// charged per item drawn; the combinatoric ones charge what they make.
const ITERTOOLS_COSTS: CostTable = &[
    ("accumulate", cost(Arg(0), CALLBACK)),
    ("chain", cost(Args, COPY)),
    ("combinations", cost(Arg(0), CALLBACK)),
    ("combinations_with_replacement", cost(Arg(0), COPY)),
    ("compress", cost(Args, COPY)),
    ("count", FREE),
    ("cycle", cost(Arg(0), COPY)),
    ("dropwhile", cost(Arg(1), CALLBACK)),
    ("filterfalse", cost(Arg(1), CALLBACK)),
    ("from_iterable", cost(Arg(0), COPY)),
    ("groupby", cost(Arg(0), HASH)),
    ("islice", FREE),
    ("pairwise", cost(Arg(0), HASH)),
    ("permutations", cost(Arg(0), COPY)),
    ("product", cost(Args, COPY)),
    ("repeat", FREE),
    ("starmap", cost(Arg(1), CALLBACK)),
    ("takewhile", cost(Arg(1), CALLBACK)),
    ("tee", cost(Arg(0), COPY)),
    ("zip_longest", cost(Args, HASH)),
];
const FUNCTOOLS_COSTS: CostTable =
    &[("cmp_to_key", FREE), ("partial", FREE), ("reduce", cost(Arg(1), CALLBACK))];
const TEXTWRAP_COSTS: CostTable = &[
    ("dedent", cost(Arg(0), PIECES)),
    ("fill", cost(Arg(0), PIECES)),
    ("indent", cost(Arg(0), PIECES)),
    ("shorten", cost(Arg(0), PIECES)),
    ("wrap", cost(Arg(0), PIECES)),
];
/// A reader charges each line as it parses it, a writer each row.
const CSV_COSTS: CostTable = &[
    ("DictReader", cost(Arg(0), ROWS)),
    ("DictWriter", FREE),
    ("field_size_limit", FREE),
    ("reader", cost(Arg(0), ROWS)),
    ("writer", FREE),
];

/// What module `m`'s functions cost (empty for an unknown module).
pub(crate) fn costs(m: &str) -> CostTable {
    REGISTRY.iter().find(|(n, ..)| *n == m).map_or(&[], |(.., c)| c)
}

/// Every module's name and cost table, then every module type's
/// (`builtins::cost::entries`).
pub(crate) fn all_costs() -> Vec<(&'static str, CostTable)> {
    let modules = REGISTRY.iter().map(|(n, .., c)| (*n, *c));
    modules.chain(TYPES.iter().map(|t| (t.name, t.costs))).collect()
}

/// Every module's name and attributes, for the cost table's coverage test.
#[cfg(test)]
pub(crate) fn all_attrs() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    REGISTRY.iter().map(|(n, attrs, ..)| (*n, attrs())).collect()
}

/// The modules a session imported, each made once from the registry and
/// the same object at every later `import`.
#[derive(Default)]
pub(crate) struct ModuleRegistry(HashMap<&'static str, Value>);

impl ModuleRegistry {
    /// `import name`: the session's module object, made on first use.
    pub(crate) fn import(&mut self, name: &str) -> R<Value> {
        if let Some(m) = self.0.get(name) {
            return Ok(m.clone());
        }
        match REGISTRY.iter().find(|(n, ..)| *n == name) {
            Some((n, attrs, ..)) => {
                let m = Value::Module(Rc::new(ModuleObject {
                    name: n,
                    attrs: attrs().into_iter().collect::<IndexMap<_, _>>(),
                }));
                self.0.insert(n, m.clone());
                Ok(m)
            }
            None => {
                let names: Vec<&str> = REGISTRY.iter().map(|(n, ..)| *n).collect();
                exc(
                    ExcKind::ModuleNotFoundError,
                    format!(
                        "No module named '{name}' (not available in this sandbox; available modules: {})",
                        names.join(", ")
                    ),
                )
            }
        }
    }
}

/// `module.name(*args, **kwargs)` for a function of a built-in module.
pub(crate) fn call_module_fn<C: Callbacks + ?Sized>(
    cx: &mut C,
    m: &str,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match calls_of::<C>(m) {
        Some(call) => call(cx, name, args, kwargs),
        None => exc(ExcKind::AttributeError, format!("module '{m}' has no attribute '{name}'")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_registered_module_has_its_calls() {
        for (name, ..) in super::REGISTRY {
            assert!(super::calls_of::<crate::vm::Vm>(name).is_some(), "no calls for {name}");
        }
    }
}
