//! Type objects programs can name (`int`, `str`, `ValueError`, the
//! `collections` and `datetime` classes): their names and `repr`. Calling
//! one constructs (`builtins/constructors.rs`); `dict.fromkeys`,
//! `str.maketrans` and unbound `str.method(s)` are dispatched in `types/mod.rs`.

use crate::value::ExcKind;

/// Type objects programs can name (`int`, `str`, `ValueError`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    NoneType,
    Bool,
    Int,
    Float,
    Str,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Range,
    Function,
    BuiltinFunction,
    Module,
    Type,
    Object,
    Slice,
    Bytes,
    Counter,
    DefaultDict,
    OrderedDict,
    Deque,
    Exc(ExcKind),
    /// A named type of no class of its own here (`iterator`, `re.Match`...).
    /// A thin pointer to the name, not a `&str` (two words): that would make
    /// `Ty`, and with it every `Value`, 24 bytes instead of 16.
    Other(&'static &'static str),
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::NoneType => "NoneType",
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Str => "str",
            Ty::List => "list",
            Ty::Tuple => "tuple",
            Ty::Dict => "dict",
            Ty::Set => "set",
            Ty::FrozenSet => "frozenset",
            Ty::Range => "range",
            Ty::Function => "function",
            Ty::BuiltinFunction => "builtin_function_or_method",
            Ty::Module => "module",
            Ty::Type => "type",
            Ty::Object => "object",
            Ty::Slice => "slice",
            Ty::Bytes => "bytes",
            Ty::Counter => "Counter",
            Ty::DefaultDict => "defaultdict",
            Ty::OrderedDict => "OrderedDict",
            Ty::Deque => "deque",
            Ty::Exc(k) => k.name(),
            Ty::Other(n) => n,
        }
    }

    /// `<class '...'>` text.
    pub fn class_repr(self) -> String {
        let qual = match self {
            Ty::Counter => "collections.Counter",
            Ty::DefaultDict => "collections.defaultdict",
            Ty::OrderedDict => "collections.OrderedDict",
            Ty::Deque => "collections.deque",
            Ty::Exc(k) => k.qualified_name(),
            Ty::Other(&"re.Match") => "re.Match",
            Ty::Other(&"re.Pattern") => "re.Pattern",
            Ty::Other(&"datetime") => "datetime.datetime",
            Ty::Other(&"date") => "datetime.date",
            Ty::Other(&"time") => "datetime.time",
            Ty::Other(&"timedelta") => "datetime.timedelta",
            Ty::Other(&"version_info") => "sys.version_info",
            Ty::Other(&"TextIOWrapper") => "_io.TextIOWrapper",
            t => t.name(),
        };
        format!("<class '{qual}'>")
    }
}
