//! What a type's or builtin's behaviour may ask of the running program
//! (issue #59): the one narrow context that `types/`, `builtins/` and
//! `format/` reach the program through, instead of the whole `Vm`. A method
//! that only charges takes the meter (`crate::meter::Meter`); one that calls
//! back (iterating a generator, calling a key function, comparing or adding
//! two values, reading an attribute) is a free function generic over
//! `C: Callbacks + ?Sized`. The `Vm` is the one implementor
//! (`vm/callbacks.rs`), so each such function is compiled for it alone, as
//! the `impl Vm` method it replaces was: static dispatch, no `dyn` on the
//! hot paths.
//!
//! Every method here delegates to the program's machine: what it does and
//! what it charges is the `Vm` method of the same name. A new one needs a
//! reason a type cannot do without it.

use std::cell::RefCell;
use std::rc::Rc;

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};
use smol_str::SmolStr;

use crate::fault::R;
use crate::meter::Meter;
use crate::value::{IterState, Kwargs, ListObj, Value};

/// The running program, as the types and builtins see it.
pub(crate) trait Callbacks {
    /// Fuel, memory and caps: every builtin charges before it works.
    fn meter(&mut self) -> &mut Meter;

    /// Call any callable (a key function, `map`'s function, a
    /// `defaultdict`'s factory): runs the program's code in a nested loop.
    fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Value>;

    /// Every item of an iterable, in a charged vector: a generator or an
    /// adapter runs the program's code to produce them.
    fn iterate(&mut self, v: &Value) -> R<Vec<Value>>;

    /// `iter(v)`: an iterator over any iterable (a generator is its own).
    fn get_iter(&mut self, v: Value) -> R<Value>;

    /// `next(it)`: one item, or `None` at the end; a generator's frame or an
    /// adapter's function runs to produce it.
    fn iter_next(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>>;

    /// `a op b`, with the operator's dispatch on both operands' types.
    fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value>;

    /// `op a` (`-x` of a `Counter` is a new `Counter`).
    fn unary(&mut self, op: UnaryOp, a: &Value) -> R<Value>;

    /// `a op b` for a comparison (sorting, `min`/`max`).
    fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool>;

    /// `item in container`, over any container (a range, an iterator...).
    fn contains(&mut self, container: &Value, item: &Value) -> R<bool>;

    /// `obj.name` (`str.format`'s `{0.attr}`, `getattr`).
    fn get_attr(&mut self, obj: &Value, name: &str) -> R<Value>;

    /// `obj[idx]` (`str.format`'s `{0[key]}`, `%(key)s`).
    fn getitem(&mut self, obj: &Value, idx: &Value) -> R<Value>;

    /// `recv.name(*args, **kwargs)` of a built-in value, with its arity
    /// check, declared cost and result guard (`vm/methods.rs`): a type's
    /// method that is a class's (`s.maketrans` is `str.maketrans`,
    /// `OrderedDict.fromkeys` is `dict.fromkeys`).
    fn call_method(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value>;

    /// `print`'s text, held to the output limit: the program's output is
    /// the machine's (the session takes it).
    fn write_output(&mut self, s: &str) -> R<()>;

    /// The global variable `name` (`FINAL_VAR(name)`): globals live in the
    /// machine's slots, and this is the one read a builtin needs of them.
    fn global(&self, name: &str) -> Option<Value>;

    /// The program's own globals, by name (`SHOW_VARS()`), for the same
    /// reason.
    fn user_globals(&self) -> Vec<(SmolStr, Value)>;

    /// `list.sort(key=..., reverse=...)`: the one sort (`builtins/sort.rs`),
    /// which calls the key function and the items' comparisons. Through the
    /// program, not named by the list's file, so that the sort's file stays
    /// out of the value layer's circle.
    fn sort_list(&mut self, l: &Rc<ListObj>, key: Option<&Value>, reverse: bool) -> R<()>;

    /// The order `sorted(keys, reverse=reverse)` puts `keys` in, as their
    /// indices (`Counter.most_common` sorts its items by their counts):
    /// the one sort, as for `sort_list`.
    fn sort_order(&mut self, keys: &[Value], reverse: bool) -> R<Vec<usize>>;

    /// Holds a running sort's comparison function where the cycle collector
    /// sees it (a root of the machine) while program code runs, and lets it
    /// go (`None`) after. A field of the machine, and the one way to it: the
    /// collector's roots are the machine's.
    fn hold_sort_cmp(&mut self, cmp: Option<Value>);

    /// How many frames run now (`sys.setrecursionlimit` refuses a limit at
    /// or below it): the frames are the machine's.
    fn call_depth(&self) -> usize;

    /// `csv.field_size_limit()`: the longest field the session's csv readers
    /// accept, which a program may set. State of the session's `csv` module,
    /// kept on the machine with the modules it imported.
    /// The running event loop's functions and methods (asyncio's tasks,
    /// futures and primitives, `vm/loop_ops.rs`): `recv` is the object whose
    /// method `name` is, `None` for a function of the module.
    fn event_loop(
        &mut self,
        recv: Option<&Value>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value>;

    fn csv_field_limit(&mut self) -> &mut i64;

    /// `repr(v)`, with the repr walk's caps and fuel (a type's error
    /// message quoting a value of any type).
    fn repr(&mut self, v: &Value) -> R<String>;

    /// `fmt.format(...)` or `fmt.format_map(...)`: the format string's
    /// fields, each a value of any type formatted by its spec.
    fn str_format(&mut self, fmt: &str, src: &FormatSource<'_>) -> R<String>;
}

/// Where `str.format`'s fields take their values from.
pub(crate) enum FormatSource<'a> {
    /// `str.format(*args, **kwargs)`.
    Call { args: &'a [Value], kwargs: &'a [(SmolStr, Value)] },
    /// `str.format_map(mapping)`: names only, no positions.
    Map(&'a Value),
}
