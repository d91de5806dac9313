//! Runtime values: the `Value` enum, strings with code-point indexing, hashable
//! dict keys, exceptions and the type objects programs can name.

use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;
use smol_str::SmolStr;

use crate::compile::Code;

/// A text buffer owned outside the interpreter (the RLM context, possibly
/// memory-mapped). Wrapped zero-copy by [`Str::from_buffer`]; slices of it are
/// views, not copies.
pub trait TextBuffer: Send + Sync {
    fn text(&self) -> &str;
    /// `(code points, is ASCII)` when the buffer already knows them, so that
    /// wrapping a huge text does not rescan it (default: scanned once).
    fn char_len_hint(&self) -> Option<(usize, bool)> {
        None
    }
}

impl TextBuffer for String {
    fn text(&self) -> &str {
        self
    }
}

impl TextBuffer for Box<str> {
    fn text(&self) -> &str {
        self
    }
}

enum StrData {
    Owned(Box<str>),
    Shared(Arc<dyn TextBuffer>, usize, usize),
}

/// Every `INDEX_STEP` code points the index stores a byte offset, so that
/// indexing a large non-ASCII string costs at most `INDEX_STEP` steps.
const INDEX_STEP: usize = 256;

pub struct StrInner {
    data: StrData,
    char_len: usize,
    ascii: bool,
    index: OnceCell<Vec<usize>>,
}

/// An immutable string with Python's code-point semantics. Cheap to clone.
#[derive(Clone)]
pub struct Str(Rc<StrInner>);

impl Str {
    pub fn new(s: impl Into<Box<str>>) -> Str {
        let s: Box<str> = s.into();
        let ascii = s.is_ascii();
        let char_len = if ascii { s.len() } else { s.chars().count() };
        Str(Rc::new(StrInner { data: StrData::Owned(s), char_len, ascii, index: OnceCell::new() }))
    }

    /// Wrap an external buffer without copying it.
    pub fn from_buffer(buf: Arc<dyn TextBuffer>) -> Str {
        let text = buf.text();
        let len = text.len();
        let (char_len, ascii) = match buf.char_len_hint() {
            Some(known) => known,
            None => {
                let ascii = text.is_ascii();
                (if ascii { len } else { text.chars().count() }, ascii)
            }
        };
        Str(Rc::new(StrInner {
            data: StrData::Shared(buf, 0, len),
            char_len,
            ascii,
            index: OnceCell::new(),
        }))
    }

    pub fn as_str(&self) -> &str {
        match &self.0.data {
            StrData::Owned(s) => s,
            StrData::Shared(b, s, e) => b.text().get(*s..*e).unwrap_or(""),
        }
    }

    pub fn char_len(&self) -> usize {
        self.0.char_len
    }

    pub fn byte_len(&self) -> usize {
        self.as_str().len()
    }

    /// Whether this is a view of an external buffer (its bytes are not ours).
    pub fn is_shared(&self) -> bool {
        matches!(self.0.data, StrData::Shared(..))
    }

    pub fn is_ascii(&self) -> bool {
        self.0.ascii
    }

    pub fn ptr_eq(a: &Str, b: &Str) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }

    /// Byte offset of code point `ci` (`ci <= char_len`).
    pub fn byte_of_char(&self, ci: usize) -> usize {
        let s = self.as_str();
        if self.0.ascii {
            return ci.min(s.len());
        }
        if ci >= self.0.char_len {
            return s.len();
        }
        if self.0.char_len <= INDEX_STEP * 2 {
            return s.char_indices().nth(ci).map(|(b, _)| b).unwrap_or(s.len());
        }
        let index = self.0.index.get_or_init(|| {
            let mut idx = Vec::with_capacity(self.0.char_len / INDEX_STEP + 1);
            for (n, (b, _)) in s.char_indices().enumerate() {
                if n % INDEX_STEP == 0 {
                    idx.push(b);
                }
            }
            idx
        });
        let base = index.get(ci / INDEX_STEP).copied().unwrap_or(0);
        let rest = ci % INDEX_STEP;
        s[base..].char_indices().nth(rest).map(|(b, _)| base + b).unwrap_or(s.len())
    }

    /// Code point at index `ci`.
    pub fn char_at(&self, ci: usize) -> Option<char> {
        if ci >= self.0.char_len {
            return None;
        }
        let b = self.byte_of_char(ci);
        self.as_str()[b..].chars().next()
    }

    /// The substring of code points `a..b` (clamped). Views of shared
    /// buffers stay views.
    pub fn substr(&self, a: usize, b: usize) -> Str {
        let b = b.min(self.0.char_len);
        let a = a.min(b);
        if a == 0 && b == self.0.char_len {
            return self.clone();
        }
        let ba = self.byte_of_char(a);
        let bb = self.byte_of_char(b);
        self.byte_substr(ba, bb, Some(b - a))
    }

    /// Substring by byte offsets on char boundaries; `char_len` if known.
    pub fn byte_substr(&self, ba: usize, bb: usize, char_len: Option<usize>) -> Str {
        match &self.0.data {
            StrData::Shared(buf, s, _) => {
                let text = &buf.text()[s + ba..s + bb];
                let ascii = self.0.ascii || text.is_ascii();
                let char_len = match char_len {
                    Some(n) => n,
                    None if ascii => text.len(),
                    None => text.chars().count(),
                };
                Str(Rc::new(StrInner {
                    data: StrData::Shared(buf.clone(), s + ba, s + bb),
                    char_len,
                    ascii,
                    index: OnceCell::new(),
                }))
            }
            StrData::Owned(o) => {
                let text = &o[ba..bb];
                if self.0.ascii {
                    Str(Rc::new(StrInner {
                        data: StrData::Owned(text.into()),
                        char_len: text.len(),
                        ascii: true,
                        index: OnceCell::new(),
                    }))
                } else {
                    Str::new(text)
                }
            }
        }
    }

    /// Char index of a byte offset.
    pub fn char_of_byte(&self, b: usize) -> usize {
        if self.0.ascii {
            return b;
        }
        let s = self.as_str();
        let b = b.min(s.len());
        s.as_bytes()[..b].iter().filter(|&&c| (c as i8) >= -0x40).count()
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || self.as_str() == other.as_str()
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::new(s)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::new(s)
    }
}

/// Built-in exception classes (user classes do not exist in the DSL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    TimeoutError,
    OSError,
    KeyboardInterrupt,
    SystemExit,
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
            ExcKind::TimeoutError => "TimeoutError",
            ExcKind::OSError => "OSError",
            ExcKind::KeyboardInterrupt => "KeyboardInterrupt",
            ExcKind::SystemExit => "SystemExit",
        }
    }

    /// The name used in tracebacks (qualified for module exceptions).
    pub fn qualified_name(self) -> &'static str {
        match self {
            ExcKind::JSONDecodeError => "json.decoder.JSONDecodeError",
            ExcKind::ReError => "re.error",
            k => k.name(),
        }
    }

    pub fn parent(self) -> Option<ExcKind> {
        use ExcKind::*;
        Some(match self {
            BaseException => return None,
            Exception | KeyboardInterrupt | SystemExit => BaseException,
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

/// An exception instance.
#[derive(Debug)]
pub struct Exception {
    pub kind: ExcKind,
    pub args: Vec<Value>,
    /// Source lines of the frames it passed through, innermost last.
    pub traceback: RefCell<Vec<(SmolStr, u32)>>,
    /// "Did you mean" suggestion shown in the traceback (not part of `str(e)`).
    pub hint: RefCell<Option<String>>,
}

/// The closest candidate within a small edit distance (CPython's "Did you mean").
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    fn dist(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    let max = (name.chars().count() + 3) / 3;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (dist(name, c), c))
        .filter(|(d, _)| *d <= max.max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

impl Exception {
    pub fn with_hint(self: Rc<Self>, hint: Option<String>) -> Rc<Self> {
        *self.hint.borrow_mut() = hint;
        self
    }

    pub fn new(kind: ExcKind, msg: impl Into<String>) -> Rc<Exception> {
        Rc::new(Exception {
            kind,
            args: vec![Value::str(msg.into())],
            traceback: RefCell::new(Vec::new()),
            hint: RefCell::new(None),
        })
    }

    pub fn with_args(kind: ExcKind, args: Vec<Value>) -> Rc<Exception> {
        Rc::new(Exception {
            kind,
            args,
            traceback: RefCell::new(Vec::new()),
            hint: RefCell::new(None),
        })
    }
}

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
    Other(&'static str),
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
            Ty::Other("re.Match") => "re.Match",
            Ty::Other("re.Pattern") => "re.Pattern",
            Ty::Other("datetime") => "datetime.datetime",
            Ty::Other("date") => "datetime.date",
            Ty::Other("time") => "datetime.time",
            Ty::Other("timedelta") => "datetime.timedelta",
            t => t.name(),
        };
        format!("<class '{qual}'>")
    }
}

/// Which flavour of dict (the `collections` subclasses share the storage).
#[derive(Clone)]
pub enum DictKind {
    Plain,
    Counter,
    Ordered,
    Default(Value),
}

/// Fast, randomly seeded hashing for dicts and sets (seeded per process so
/// that colliding keys cannot be precomputed).
pub type HashState = foldhash::fast::RandomState;
pub type Map = IndexMap<Key, Value, HashState>;
pub type KeySet = indexmap::IndexSet<Key, HashState>;

pub struct Dict {
    pub map: Map,
    pub kind: DictKind,
}

impl Dict {
    pub fn new() -> Dict {
        Dict { map: Map::default(), kind: DictKind::Plain }
    }
}

impl Default for Dict {
    fn default() -> Self {
        Dict::new()
    }
}

/// A user-defined function (or lambda, or comprehension body).
pub struct Function {
    pub code: Rc<Code>,
    pub defaults: Vec<Value>,
    pub kwdefaults: Vec<Option<Value>>,
    pub closure: Vec<Rc<RefCell<Option<Value>>>>,
}

/// A built-in function: a name and a Rust implementation.
pub struct BuiltinFn {
    /// `""` for builtins, `"host"` for host functions, else the module name.
    pub module: &'static str,
    pub name: SmolStr,
}

pub struct Module {
    pub name: &'static str,
    pub attrs: IndexMap<&'static str, Value>,
}

/// Iterator state for `iter()`, `map`, `zip`, ... (all eager or index-based).
pub enum IterState {
    Seq(Value, usize),
    Str(Str, usize),
    Range(i64, i64, i64),
    Items(VecDeque<Value>),
    Count(i64, i64),
    /// `itertools.count` with a float start or step: the next value (an int
    /// only before the first step) and the step.
    CountFloat(Value, f64),
    Cycle(Vec<Value>, usize),
    Repeat(Value, Option<i64>),
}

/// A coroutine made by calling an `async def` function: not started until
/// awaited.
pub struct Coroutine {
    pub func: Rc<Function>,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
    pub started: bool,
}

/// An awaitable host call (`llm_query_async(...)`), performed when awaited.
pub struct HostFuture {
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
    pub awaited: std::cell::Cell<bool>,
}

/// `asyncio.gather(...)`'s result: awaiting it runs all its parts at once.
pub struct Gather {
    pub items: Vec<Value>,
    pub return_exceptions: bool,
}

/// An opaque object owned by the embedder (e.g. `ctx`), with methods.
pub trait HostObject {
    fn type_name(&self) -> &str;
    /// Call a method. `None` means "no such method".
    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), crate::LimitError>,
    ) -> Option<Result<crate::host::HostReturn, crate::host::HostError>>;
    /// Attribute read (non-method). `None` means "no such attribute".
    fn get_attr(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_names(&self) -> Vec<String> {
        Vec::new()
    }
}

pub struct Partial {
    pub func: Value,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
}

/// Native objects of built-in modules (compiled pattern, match, datetime...).
pub enum Native {
    Pattern(Rc<crate::modules::re::Pattern>),
    Match(Rc<crate::modules::re::MatchObj>),
    Partial(Partial),
    DateTime(crate::modules::DateTime),
    TimeDelta(i64, i64, i64),
    /// `d.keys()` (0), `d.values()` (1), `d.items()` (2): live views.
    DictView(u8, Rc<RefCell<Dict>>),
}

/// Dropping deeply nested values must not recurse on the Rust stack: the
/// containers' `Drop` hands their children to this queue, which the
/// outermost drop empties in a loop.
mod deferred_drop {
    use super::Value;
    use std::cell::{Cell, RefCell};

    thread_local! {
        static DROPPING: Cell<bool> = const { Cell::new(false) };
        static PENDING: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    }

    pub fn defer(items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        if DROPPING.with(|d| d.get()) {
            let _ = PENDING.try_with(|p| p.borrow_mut().extend(items));
            return;
        }
        DROPPING.with(|d| d.set(true));
        let mut batch = items;
        loop {
            drop(batch);
            batch = PENDING.try_with(|p| std::mem::take(&mut *p.borrow_mut())).unwrap_or_default();
            if batch.is_empty() {
                break;
            }
        }
        DROPPING.with(|d| d.set(false));
    }
}

pub(crate) use deferred_drop::defer as defer_drop;

/// A list's storage (drops its items without recursion).
#[derive(Default)]
pub struct ListObj(pub RefCell<Vec<Value>>);

impl std::ops::Deref for ListObj {
    type Target = RefCell<Vec<Value>>;
    fn deref(&self) -> &RefCell<Vec<Value>> {
        &self.0
    }
}

impl Drop for ListObj {
    fn drop(&mut self) {
        defer_drop(std::mem::take(self.0.get_mut()));
    }
}

/// A deque's storage and its optional `maxlen`.
pub struct DequeObj {
    pub items: RefCell<VecDeque<Value>>,
    pub maxlen: Option<usize>,
}

impl std::ops::Deref for DequeObj {
    type Target = RefCell<VecDeque<Value>>;
    fn deref(&self) -> &RefCell<VecDeque<Value>> {
        &self.items
    }
}

impl Drop for DequeObj {
    fn drop(&mut self) {
        defer_drop(std::mem::take(self.items.get_mut()).into());
    }
}

/// A tuple's storage (drops its items without recursion).
pub struct TupleObj(pub Vec<Value>);

impl std::ops::Deref for TupleObj {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl Drop for TupleObj {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.0));
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        let map = std::mem::take(&mut self.map);
        let mut items = Vec::with_capacity(map.len() * 2);
        for (k, v) in map {
            items.push(k.0);
            items.push(v);
        }
        if let DictKind::Default(f) = std::mem::replace(&mut self.kind, DictKind::Plain) {
            items.push(f);
        }
        defer_drop(items);
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.defaults);
        items.extend(std::mem::take(&mut self.kwdefaults).into_iter().flatten());
        for c in std::mem::take(&mut self.closure) {
            if let Ok(cell) = Rc::try_unwrap(c) {
                if let Some(v) = cell.into_inner() {
                    items.push(v);
                }
            }
        }
        defer_drop(items);
    }
}

impl Drop for Exception {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.args));
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.push(std::mem::replace(&mut self.func, Value::None));
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl Drop for Coroutine {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl Drop for HostFuture {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl Drop for Gather {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.items));
    }
}

impl Drop for IterState {
    fn drop(&mut self) {
        let items: Vec<Value> = match self {
            IterState::Seq(v, _) | IterState::Repeat(v, _) => {
                vec![std::mem::replace(v, Value::None)]
            }
            IterState::Items(q) => std::mem::take(q).into(),
            IterState::Cycle(v, _) => std::mem::take(v),
            _ => Vec::new(),
        };
        defer_drop(items);
    }
}

#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Str),
    List(Rc<ListObj>),
    Tuple(Rc<TupleObj>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<KeySet>>),
    FrozenSet(Rc<KeySet>),
    Deque(Rc<DequeObj>),
    Range(Rc<(i64, i64, i64)>),
    Slice(Rc<(Value, Value, Value)>),
    Func(Rc<Function>),
    Builtin(Rc<BuiltinFn>),
    /// A method of a built-in value, bound to its receiver.
    Method(Rc<(Value, SmolStr)>),
    Type(Ty),
    Exc(Rc<Exception>),
    Module(Rc<Module>),
    Iter(Rc<RefCell<IterState>>),
    Coroutine(Rc<RefCell<Coroutine>>),
    HostFuture(Rc<HostFuture>),
    Gather(Rc<Gather>),
    Host(Rc<dyn HostObject>),
    Native(Rc<Native>),
    Ellipsis,
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::format::repr_simple(self))
    }
}

impl Value {
    pub fn str(s: impl Into<Box<str>>) -> Value {
        Value::Str(Str::new(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        let l = Rc::new(ListObj(RefCell::new(v)));
        crate::gc::track_list(&l);
        Value::List(l)
    }

    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(TupleObj(v)))
    }

    pub fn dict(d: Dict) -> Value {
        let d = Rc::new(RefCell::new(d));
        crate::gc::track_dict(&d);
        Value::Dict(d)
    }

    /// A new mutable set (registered for cycle collection, see `gc`).
    pub(crate) fn new_set(s: KeySet) -> Value {
        let s = Rc::new(RefCell::new(s));
        crate::gc::track_set(&s);
        Value::Set(s)
    }

    pub fn ty(&self) -> Ty {
        match self {
            Value::None => Ty::NoneType,
            Value::Bool(_) => Ty::Bool,
            Value::Int(_) => Ty::Int,
            Value::Float(_) => Ty::Float,
            Value::Str(_) => Ty::Str,
            Value::List(_) => Ty::List,
            Value::Tuple(_) => Ty::Tuple,
            Value::Dict(d) => match d.borrow().kind {
                DictKind::Plain => Ty::Dict,
                DictKind::Counter => Ty::Counter,
                DictKind::Ordered => Ty::OrderedDict,
                DictKind::Default(_) => Ty::DefaultDict,
            },
            Value::Set(_) => Ty::Set,
            Value::FrozenSet(_) => Ty::FrozenSet,
            Value::Deque(_) => Ty::Deque,
            Value::Range(_) => Ty::Range,
            Value::Slice(_) => Ty::Slice,
            Value::Func(_) => Ty::Function,
            Value::Builtin(_) => Ty::BuiltinFunction,
            Value::Method(_) => Ty::BuiltinFunction,
            Value::Type(_) => Ty::Type,
            Value::Exc(e) => Ty::Exc(e.kind),
            Value::Module(_) => Ty::Module,
            Value::Iter(_) => Ty::Other("iterator"),
            Value::Coroutine(_) => Ty::Other("coroutine"),
            Value::HostFuture(_) => Ty::Other("coroutine"),
            Value::Gather(_) => Ty::Other("_GatheringFuture"),
            Value::Host(_) => Ty::Other("host object"),
            Value::Native(n) => match &**n {
                Native::Pattern(_) => Ty::Other("re.Pattern"),
                Native::Match(_) => Ty::Other("re.Match"),
                Native::Partial(_) => Ty::Other("functools.partial"),
                Native::DateTime(d) => {
                    if d.time_only {
                        Ty::Other("time")
                    } else if d.has_time {
                        Ty::Other("datetime")
                    } else {
                        Ty::Other("date")
                    }
                }
                Native::TimeDelta(..) => Ty::Other("timedelta"),
                Native::DictView(0, _) => Ty::Other("dict_keys"),
                Native::DictView(1, _) => Ty::Other("dict_values"),
                Native::DictView(..) => Ty::Other("dict_items"),
            },
            Value::Ellipsis => Ty::Other("ellipsis"),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Host(_) => "host object",
            v => v.ty().name(),
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => s.byte_len() != 0,
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().map.is_empty(),
            Value::Set(s) => !s.borrow().is_empty(),
            Value::FrozenSet(s) => !s.is_empty(),
            Value::Deque(d) => !d.borrow().is_empty(),
            Value::Range(r) => crate::builtins::range_len(r.0, r.1, r.2) > 0,
            Value::Native(n) => match &**n {
                Native::DictView(_, d) => !d.borrow().map.is_empty(),
                _ => true,
            },
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&Str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A value validated as hashable, usable as a dict key or set member.
/// Python's equalities hold: `1 == 1.0 == True` hash and compare equal.
#[derive(Clone)]
pub struct Key(pub Value);

impl Key {
    pub fn value(&self) -> &Value {
        &self.0
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::None => 0u8.hash(state),
        Value::Bool(b) => (*b as i64).hash(state),
        Value::Int(i) => i.hash(state),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                (*f as i64).hash(state)
            } else {
                f.to_bits().hash(state)
            }
        }
        Value::Str(s) => s.as_str().hash(state),
        Value::Tuple(t) => {
            t.len().hash(state);
            for x in t.iter() {
                hash_value(x, state);
            }
        }
        Value::FrozenSet(s) => s.len().hash(state),
        Value::Type(t) => t.name().hash(state),
        Value::Range(r) => r.hash(state),
        other => (Rc::as_ptr(&rc_identity(other)) as usize).hash(state),
    }
}

/// An identity for reference values (used for hashing functions etc.).
fn rc_identity(v: &Value) -> Rc<()> {
    // Functions and other identity-hashed values: hash by address of their Rc.
    thread_local! { static UNIT: Rc<()> = Rc::new(()); }
    let _ = v;
    UNIT.with(|u| u.clone())
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        crate::vm::ops::eq_shallow(&self.0, &other.0)
    }
}

impl Eq for Key {}
