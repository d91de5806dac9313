//! Type objects programs can name (`int`, `str`, `ValueError`, the
//! `collections` and `datetime` classes): their names and `repr`. Calling
//! one constructs (`builtins/constructors.rs`); `dict.fromkeys`,
//! `str.maketrans` and unbound `str.method(s)` are dispatched in `types/mod.rs`.
//! The built-in exception classes (`ExcKind`) are here too: type objects
//! that name no value, so the value layer holds them without reaching the
//! exceptions' behaviour (`exception.rs`).

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

/// Built-in exception classes (user classes do not exist in the DSL).
/// A word wide, so that a type value (`Ty::Exc(kind)` inside `Value::Type`)
/// keeps its data 8 bytes in, as every value does (see `AlignedBool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum ExcKind {
    BaseException,
    Exception,
    ArithmeticError,
    ZeroDivisionError,
    OverflowError,
    LookupError,
    IndexError,
    KeyError,
    ValueError,
    UnicodeError,
    TypeError,
    NameError,
    UnboundLocalError,
    AttributeError,
    RuntimeError,
    RecursionError,
    NotImplementedError,
    AssertionError,
    StopIteration,
    ImportError,
    ModuleNotFoundError,
    JSONDecodeError,
    ReError,
    CsvError,
    TimeoutError,
    OSError,
    KeyboardInterrupt,
    SystemExit,
    /// `asyncio.CancelledError`: a `BaseException`, thrown into a cancelled task.
    CancelledError,
    /// `asyncio.InvalidStateError`: a future's result asked before it is done.
    InvalidStateError,
    /// `asyncio.QueueEmpty` and `asyncio.QueueFull`.
    QueueEmpty,
    QueueFull,
    /// `BaseExceptionGroup` and `ExceptionGroup` (PEP 654), which is both
    /// a `BaseExceptionGroup` and an `Exception`.
    BaseExceptionGroup,
    ExceptionGroup,
}

impl ExcKind {
    pub const ALL: &'static [ExcKind] = &[
        ExcKind::BaseException,
        ExcKind::Exception,
        ExcKind::ArithmeticError,
        ExcKind::ZeroDivisionError,
        ExcKind::OverflowError,
        ExcKind::LookupError,
        ExcKind::IndexError,
        ExcKind::KeyError,
        ExcKind::ValueError,
        ExcKind::UnicodeError,
        ExcKind::TypeError,
        ExcKind::NameError,
        ExcKind::UnboundLocalError,
        ExcKind::AttributeError,
        ExcKind::RuntimeError,
        ExcKind::RecursionError,
        ExcKind::NotImplementedError,
        ExcKind::AssertionError,
        ExcKind::StopIteration,
        ExcKind::ImportError,
        ExcKind::ModuleNotFoundError,
        ExcKind::TimeoutError,
        ExcKind::OSError,
        ExcKind::KeyboardInterrupt,
        ExcKind::SystemExit,
        ExcKind::BaseExceptionGroup,
        ExcKind::ExceptionGroup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExcKind::BaseException => "BaseException",
            ExcKind::Exception => "Exception",
            ExcKind::ArithmeticError => "ArithmeticError",
            ExcKind::ZeroDivisionError => "ZeroDivisionError",
            ExcKind::OverflowError => "OverflowError",
            ExcKind::LookupError => "LookupError",
            ExcKind::IndexError => "IndexError",
            ExcKind::KeyError => "KeyError",
            ExcKind::ValueError => "ValueError",
            ExcKind::UnicodeError => "UnicodeError",
            ExcKind::TypeError => "TypeError",
            ExcKind::NameError => "NameError",
            ExcKind::UnboundLocalError => "UnboundLocalError",
            ExcKind::AttributeError => "AttributeError",
            ExcKind::RuntimeError => "RuntimeError",
            ExcKind::RecursionError => "RecursionError",
            ExcKind::NotImplementedError => "NotImplementedError",
            ExcKind::AssertionError => "AssertionError",
            ExcKind::StopIteration => "StopIteration",
            ExcKind::ImportError => "ImportError",
            ExcKind::ModuleNotFoundError => "ModuleNotFoundError",
            ExcKind::JSONDecodeError => "JSONDecodeError",
            ExcKind::ReError => "error",
            ExcKind::CsvError => "Error",
            ExcKind::TimeoutError => "TimeoutError",
            ExcKind::OSError => "OSError",
            ExcKind::KeyboardInterrupt => "KeyboardInterrupt",
            ExcKind::SystemExit => "SystemExit",
            ExcKind::CancelledError => "CancelledError",
            ExcKind::InvalidStateError => "InvalidStateError",
            ExcKind::QueueEmpty => "QueueEmpty",
            ExcKind::QueueFull => "QueueFull",
            ExcKind::BaseExceptionGroup => "BaseExceptionGroup",
            ExcKind::ExceptionGroup => "ExceptionGroup",
        }
    }

    /// The name used in tracebacks (qualified for module exceptions).
    pub fn qualified_name(self) -> &'static str {
        match self {
            ExcKind::JSONDecodeError => "json.decoder.JSONDecodeError",
            ExcKind::ReError => "re.error",
            ExcKind::CsvError => "_csv.Error",
            ExcKind::CancelledError => "asyncio.exceptions.CancelledError",
            ExcKind::InvalidStateError => "asyncio.exceptions.InvalidStateError",
            ExcKind::QueueEmpty => "asyncio.queues.QueueEmpty",
            ExcKind::QueueFull => "asyncio.queues.QueueFull",
            k => k.name(),
        }
    }

    pub fn parent(self) -> Option<ExcKind> {
        use ExcKind::*;
        Some(match self {
            BaseException => return None,
            Exception | KeyboardInterrupt | SystemExit | CancelledError | BaseExceptionGroup => {
                BaseException
            }
            ZeroDivisionError | OverflowError => ArithmeticError,
            IndexError | KeyError => LookupError,
            UnicodeError | JSONDecodeError => ValueError,
            UnboundLocalError => NameError,
            RecursionError | NotImplementedError => RuntimeError,
            ModuleNotFoundError => ImportError,
            TimeoutError => OSError,
            _ => Exception,
        })
    }

    pub fn is_subclass_of(self, other: ExcKind) -> bool {
        if self == ExcKind::ExceptionGroup && other == ExcKind::BaseExceptionGroup {
            return true;
        }
        let mut k = Some(self);
        while let Some(c) = k {
            if c == other {
                return true;
            }
            k = c.parent();
        }
        false
    }
}
