//! The `Vm` as the running program the types and builtins call back into
//! (`crate::callbacks::Callbacks`): each method is the `Vm`'s own, so a
//! function generic over the trait compiles to the same calls as before.

use std::cell::RefCell;
use std::rc::Rc;

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};
use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::R;
use crate::meter::Meter;
use crate::value::{IterState, ListObj, Value};
use crate::vm::Vm;

impl Callbacks for Vm {
    fn repr(&mut self, v: &Value) -> R<String> {
        crate::format::repr::repr(&mut self.meter, v)
    }

    fn str_format(&mut self, fmt: &str, src: &crate::callbacks::FormatSource<'_>) -> R<String> {
        crate::format::fields::str_format(self, fmt, src)
    }

    #[inline(always)]
    fn meter(&mut self) -> &mut Meter {
        &mut self.meter
    }

    #[inline]
    fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Value> {
        Vm::call_value(self, f, args, kwargs)
    }

    #[inline]
    fn iterate(&mut self, v: &Value) -> R<Vec<Value>> {
        Vm::iterate(self, v)
    }

    #[inline]
    fn get_iter(&mut self, v: Value) -> R<Value> {
        Vm::get_iter(self, v)
    }

    #[inline]
    fn iter_next(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        Vm::iter_next(self, it)
    }

    #[inline]
    fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        Vm::binary(self, op, a, b)
    }

    #[inline]
    fn unary(&mut self, op: UnaryOp, a: &Value) -> R<Value> {
        Vm::unary(self, op, a)
    }

    #[inline]
    fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        Vm::compare(self, op, a, b)
    }

    #[inline]
    fn contains(&mut self, container: &Value, item: &Value) -> R<bool> {
        Vm::contains(self, container, item)
    }

    #[inline]
    fn get_attr(&mut self, obj: &Value, name: &str) -> R<Value> {
        Vm::get_attr(self, obj, name)
    }

    #[inline]
    fn getitem(&mut self, obj: &Value, idx: &Value) -> R<Value> {
        Vm::getitem(self, obj, idx)
    }

    #[inline]
    fn call_method(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        Vm::call_method(self, recv, name, args, kwargs)
    }

    #[inline]
    fn write_output(&mut self, s: &str) -> R<()> {
        self.output.write(&mut self.meter, s)
    }

    fn global(&self, name: &str) -> Option<Value> {
        self.globals.get(name)
    }

    fn user_globals(&self) -> Vec<(SmolStr, Value)> {
        self.globals.user_globals()
    }

    #[inline]
    fn sort_list(&mut self, l: &Rc<ListObj>, key: Option<&Value>, reverse: bool) -> R<()> {
        crate::builtins::sort::sort_list(self, l, key, reverse)
    }

    fn sort_order(&mut self, keys: &[Value], reverse: bool) -> R<Vec<usize>> {
        let _scratch = crate::builtins::sort::charge_sort(self, keys.len(), false)?;
        let (order, sorted) = crate::builtins::sort::order_of(self, keys, None, reverse)?;
        sorted.map(|()| order)
    }

    #[inline]
    fn hold_sort_cmp(&mut self, cmp: Option<Value>) {
        self.modules.sort_cmp = cmp;
    }

    #[inline]
    fn call_depth(&self) -> usize {
        Vm::call_depth(self)
    }

    #[inline]
    fn csv_field_limit(&mut self) -> &mut i64 {
        &mut self.modules.csv_field_limit
    }

    fn event_loop(
        &mut self,
        recv: Option<&Value>,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        Vm::event_loop(self, recv, name, args, kwargs)
    }
}
