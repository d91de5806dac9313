//! Native objects: dict views, and the objects of built-in modules (a
//! compiled pattern, a match, a date, a `functools.partial`, a csv reader,
//! a `StringIO`...), which implement `NativeObject` in their own file
//! (issue #59: the value layer names no module). The enum, the trait, and
//! what the value layer and the types ask of them (type, repr's parts,
//! attributes, held values, cost); the dispatch of attributes and method
//! tables is `types/native.rs`'s, of a module's object's methods
//! `modules/native.rs`'s.

use std::any::Any;
use std::rc::Rc;

use super::*;
use crate::cost::CostTable;

/// Native objects: dict views, and the modules' objects.
pub enum Native {
    /// `d.keys()` (0), `d.values()` (1), `d.items()` (2): live views.
    DictView(u8, Rc<StoreCell<Dict>>),
    /// A module's object (`re.Pattern`, `re.Match`, `datetime`,
    /// `timedelta`, `functools.partial`, csv readers and writers,
    /// `io.StringIO`, `sys.stdout`, `sys.version_info`, `asyncio`'s timed
    /// coroutines).
    /// The enum is public only as a `Value`'s payload, which no embedder
    /// can name; the trait stays the crate's.
    #[allow(private_interfaces)]
    Module(Box<dyn NativeObject>),
}

/// What a module's object is to the value layer and the types, implemented
/// in the module's folder: its type, repr and attributes, what it holds and
/// costs. Nothing here takes the meter, the callbacks or a fault, whose
/// types name the values (issue #59: the value layer's circle): its
/// methods are called by the machine (`modules/native.rs`, which finds the
/// object's type by downcasting, as it does where an operator or a call
/// needs its data: `Native::module`), and its repr is written by the repr
/// walk from the parts it names.
pub(crate) trait NativeObject: Any {
    /// Its type (`type(x)`).
    fn ty(&self) -> Ty;

    /// What `repr(x)` shows: text, and the values it holds, which the repr
    /// walk writes one level deeper (with its caps, fuel and cycle marks).
    fn repr(&self) -> Vec<ReprPart>;

    /// `str(x)` where it differs from the repr.
    fn str(&self) -> Option<String> {
        None
    }

    /// An attribute that is not a method (`m.string`, `d.year`).
    fn attr(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// Whether it can be called (`callable(x)`); its call is the
    /// machine's (`modules/native.rs`'s `native_call`).
    fn callable(&self) -> bool {
        false
    }

    /// Its methods' names (`dir()`, `hasattr`, the arity tables).
    fn method_names(&self) -> &'static [&'static str] {
        &[]
    }

    /// What its methods cost (`builtins/cost.rs`), sorted.
    fn method_costs(&self) -> CostTable {
        &[]
    }

    /// Whether it holds values of the program (which can make cycles).
    fn holds_values(&self) -> bool {
        false
    }

    /// Each value it holds, for the cycle collector (`gc`).
    fn held(&self, each: &mut dyn FnMut(&Value)) {
        let _ = each;
    }

    /// What it costs besides the `Rc` box of its `Native`: its own box and
    /// buffers (the values it holds are charged by themselves).
    fn mem_cost(&self) -> usize;

    /// `x == other` when it compares by value (dates, durations); `None`
    /// for identity.
    fn eq_native(&self, other: &dyn NativeObject) -> Option<bool> {
        let _ = other;
        None
    }

    /// The tuple it stands for (`sys.version_info`), which compares,
    /// indexes, iterates and hashes as that tuple.
    fn as_tuple(&self) -> Option<&Value> {
        None
    }

    /// The int it stands for (`re.IGNORECASE`, an int subclass in CPython),
    /// which computes, compares, hashes, indexes and formats as that int.
    fn as_int(&self) -> Option<i64> {
        None
    }

    /// `bool(x)`: a zero duration is false; a tuple-like native is its
    /// tuple's truth.
    fn truthy(&self) -> bool {
        self.as_tuple().is_none_or(|t| !matches!(t, Value::Tuple(t) if t.is_empty()))
    }

    /// The iterator it is, when it is one (a csv `DictReader` steps its
    /// rows): `iter(x)`, `next(x)` and a `for` loop step it.
    fn iterator(&self) -> Option<&Value> {
        None
    }

    /// `format(x, spec)` when it formats itself (a date's `strftime`).
    fn format_spec(&self, spec: &str) -> Option<String> {
        let _ = spec;
        None
    }

    /// The fuel [`NativeObject::format_spec`] charges for `spec` beyond its
    /// text, before it is written (a date's directives).
    fn format_spec_fuel(&self, spec: &str) -> u64 {
        let _ = spec;
        0
    }

    /// The module its type's name is qualified with in argument errors
    /// (`datetime.time`).
    fn qualified_module(&self) -> Option<&'static str> {
        None
    }
}

/// A piece of a native object's repr: its own text, or a value it holds
/// (`functools.partial(f, 1)`'s function and argument, a match's text).
pub(crate) enum ReprPart {
    Text(String),
    Value(Value),
}

/// What a module's object of type `T` costs in its box.
pub(crate) fn boxed_cost<T>() -> usize {
    crate::mem::block(std::mem::size_of::<T>())
}

impl Native {
    /// A module's object as a value (inline: a match object is made a
    /// `finditer` step).
    #[inline]
    pub(crate) fn value(object: impl NativeObject) -> Value {
        Value::Native(Rc::new(Native::Module(Box::new(object))))
    }

    /// The module's object of type `T` this is, if it is one.
    pub(crate) fn module<T: NativeObject>(&self) -> Option<&T> {
        match self {
            Native::Module(m) => (&**m as &dyn Any).downcast_ref::<T>(),
            _ => None,
        }
    }

    /// The module's object of type `T` that `v` is, if it is one.
    pub(crate) fn of<T: NativeObject>(v: &Value) -> Option<&T> {
        match v {
            Value::Native(n) => n.module::<T>(),
            _ => None,
        }
    }

    /// The tuple a tuple-like native stands for (`sys.version_info`), which
    /// compares, indexes, iterates and hashes as that tuple.
    pub(crate) fn as_tuple(v: &Value) -> Option<&Value> {
        match v {
            Value::Native(n) => match &**n {
                Native::Module(m) => m.as_tuple(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The int an int-like native stands for (`re.IGNORECASE`).
    #[inline]
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Native::Module(m) => m.as_int(),
            _ => None,
        }
    }

    /// Whether it can be called (`callable(x)`): a module's object that says
    /// so (`functools.partial`, `operator.itemgetter`).
    pub(crate) fn callable(&self) -> bool {
        match self {
            Native::Module(m) => m.callable(),
            Native::DictView(..) => false,
        }
    }

    /// Whether it holds values of the program (which can make cycles).
    pub(crate) fn holds_values(&self) -> bool {
        match self {
            Native::DictView(..) => true,
            Native::Module(m) => m.holds_values(),
        }
    }

    /// Each value it holds, for the cycle collector (`gc`).
    pub(crate) fn held(&self, mut each: impl FnMut(&Value)) {
        match self {
            Native::DictView(_, d) => each(&Value::Dict(d.clone())),
            Native::Module(m) => m.held(&mut each),
        }
    }

    /// What it costs besides its `Rc` box (a module's object's own box and
    /// buffers).
    pub(crate) fn own_cost(&self) -> usize {
        match self {
            Native::Module(m) => m.mem_cost(),
            Native::DictView(..) => 0,
        }
    }

    pub fn ty(&self) -> Ty {
        match self {
            Native::DictView(0, _) => Ty::Other(&"dict_keys"),
            Native::DictView(1, _) => Ty::Other(&"dict_values"),
            Native::DictView(..) => Ty::Other(&"dict_items"),
            Native::Module(m) => m.ty(),
        }
    }
}
