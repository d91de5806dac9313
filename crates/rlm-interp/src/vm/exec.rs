//! The dispatch loop: one `match` over the instruction set, run over the
//! frame stack until the task returns, suspends or fails. The instructions
//! a program executes most stay inline in the loop; the rarer or heavier
//! ones (building sets and dicts, comprehension stores into sets and dicts,
//! keyword calls, `raise`, f-string pieces, imports...) are methods below it.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::Instr;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::types::exception::exc_matches;
use crate::value::frame::{Block, Collect, Frame};
use crate::value::*;
use crate::vm::fused::{
    LoopTarget, RangeNext, int_binary_fast, push_local, store_fast, truthy_fast, unbound_local,
};
use crate::vm::{ExecEnd, Vm, internal, pop, popn};

impl Vm {
    pub(super) fn exec(&mut self, base: usize) -> R<ExecEnd> {
        loop {
            match self.exec_inner(base) {
                Ok(end) => return Ok(end),
                Err(Fault::Exc(e)) => self.unwind(e, base)?,
                Err(other) => return Err(other),
            }
        }
    }

    /// The loop's checkpoint, before the instruction at `pc` runs: a stop
    /// there (out of fuel, a deadline, an interrupt) is that instruction's,
    /// so the frame moves past it, as after any instruction that fails
    /// (tracebacks name the line of `pc - 1`).
    #[cold]
    fn checkpoint_before_instruction(&mut self) -> R<()> {
        let r = self.meter.checkpoint();
        if r.is_err() {
            if let Some(f) = self.frames.stack.last_mut() {
                f.pc += 1;
            }
        }
        r
    }

    fn exec_inner(&mut self, base: usize) -> R<ExecEnd> {
        loop {
            // The plain instructions run in their own loop (`plain.rs`),
            // which hands over the first other one, charged.
            // `in_place_tried`: the plain loop handed `op` over, having
            // tried its in-place calls (`len(x)`, `d.get(k)`...) on it.
            let (op, in_place_tried) = match self.run_plain() {
                Some(op) => (op, true),
                None => {
                    self.meter.fuel_used += 1;
                    if self.meter.fuel_used > self.meter.fuel_checkpoint {
                        self.checkpoint_before_instruction()?;
                    }
                    let frame = top!(self);
                    let Some(&op) = frame.code.ops.get(frame.pc) else {
                        return Err(internal("pc out of range"));
                    };
                    frame.pc += 1;
                    (op, false)
                }
            };
            let frame = top!(self);
            match op {
                Instr::LoadConst(i) => frame.stack.push_clone(&frame.code.consts[i as usize]),
                Instr::LoadNone => frame.stack.push(Value::None),
                Instr::LoadFast(i) => push_local(frame, i)?,
                Instr::StoreFast(i) => store_fast(frame, i)?,
                Instr::DeleteFast(i) => {
                    if frame.locals[i as usize].take().is_none() {
                        return unbound_local(&frame.code, i);
                    }
                }
                Instr::LoadCell(i) => {
                    let v = frame.cells[i as usize].borrow().clone();
                    match v {
                        Some(v) => frame.stack.push(v),
                        None => {
                            return exc(
                                ExcKind::NameError,
                                "cannot access free variable where it is not associated with a value in enclosing scope",
                            );
                        }
                    }
                }
                Instr::StoreCell(i) => {
                    let v = pop(frame)?;
                    *frame.cells[i as usize].borrow_mut() = Some(v);
                }
                Instr::LoadGlobal(i) => self.push_global(i)?,
                Instr::StoreGlobal(i) => self.pop_store_global(i)?,
                Instr::DeleteGlobal(i) => self.op_delete_global(i)?,
                Instr::LoadAttr(i) => {
                    let name = frame.code.names[i as usize].clone();
                    let obj = pop(frame)?;
                    let v = self.get_attr(&obj, &name)?;
                    top!(self).stack.push(v);
                }
                Instr::StoreAttr(i) => self.op_store_attr(i)?,
                Instr::Subscr => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    let v = self.getitem(&obj, &idx)?;
                    top!(self).stack.push(v);
                }
                Instr::StoreSubscr => {
                    let v = pop(frame)?;
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    self.setitem(&obj, idx, v)?;
                }
                Instr::StoreSubscrAssign => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    let v = pop(frame)?;
                    self.setitem(&obj, idx, v)?;
                }
                Instr::DeleteSubscr => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    self.delitem(&obj, &idx)?;
                }
                Instr::BuildSlice => {
                    let c = pop(frame)?;
                    let b = pop(frame)?;
                    let a = pop(frame)?;
                    frame.stack.push(Value::Slice(Rc::new((a, b, c))));
                }
                Instr::Binary(op) | Instr::Inplace(op) => {
                    // Two ints (the common case in loops): the result
                    // replaces the left one in place, no `Value` moved.
                    if let [.., Value::Int(x), Value::Int(y)] = &mut *frame.stack {
                        if let Some(r) = int_binary_fast(op, *x, *y) {
                            *x = r;
                            frame.stack.pop_int();
                            continue;
                        }
                    }
                    let b = pop(frame)?;
                    let a = pop(frame)?;
                    let v = if matches!(
                        op_kind(&self.frames.stack, frame_pc_prev(&self.frames.stack)),
                        Some(true)
                    ) {
                        self.inplace(op, a, &b)?
                    } else {
                        self.binary(op, &a, &b)?
                    };
                    top!(self).stack.push(v);
                }
                Instr::Unary(op) => {
                    let a = pop(frame)?;
                    let v = self.unary(op, &a)?;
                    top!(self).stack.push(v);
                }
                Instr::Compare(op) => {
                    let v = self.pop_compare(op)?;
                    top!(self).stack.push(Value::Bool(AlignedBool(v)));
                }
                Instr::Jump(t) => frame.pc = t as usize,
                Instr::JumpIfFalse(t) => {
                    let v = pop(frame)?;
                    if !truthy_fast(&v) {
                        frame.pc = t as usize;
                    }
                    v.discard();
                }
                Instr::JumpIfTrue(t) => {
                    let v = pop(frame)?;
                    if truthy_fast(&v) {
                        frame.pc = t as usize;
                    }
                    v.discard();
                }
                Instr::JumpIfFalseOrPop(t) => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let tv = self.truthy(&v)?;
                    let frame = top!(self);
                    if !tv {
                        frame.pc = t as usize;
                    } else {
                        frame.stack.pop();
                    }
                }
                Instr::JumpIfTrueOrPop(t) => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let tv = self.truthy(&v)?;
                    let frame = top!(self);
                    if tv {
                        frame.pc = t as usize;
                    } else {
                        frame.stack.pop();
                    }
                }
                Instr::Pop => {
                    if let Some(v) = frame.stack.pop() {
                        v.discard();
                    }
                }
                Instr::Dup => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    frame.stack.push(v);
                }
                Instr::Dup2 => {
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    let a = frame.stack[n - 2].clone();
                    let b = frame.stack[n - 1].clone();
                    frame.stack.push(a);
                    frame.stack.push(b);
                }
                Instr::Rot2 => {
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    frame.stack.swap(n - 1, n - 2);
                }
                Instr::Rot3 => {
                    let v = pop(frame)?;
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    frame.stack.insert(n - 2, v);
                }
                Instr::BuildList(n) => {
                    let items = popn(frame, n as usize)?;
                    self.meter.check_memory()?;
                    // `Value::list`, made where it is pushed (see `LoadGlobal`)
                    // and registered at the cost measured as it is made.
                    let (l, cost) = ListObj::new_measured(items);
                    let l = Rc::new(l);
                    crate::gc::track_new_list(&l, cost);
                    top!(self).stack.push(Value::List(l));
                }
                Instr::BuildTuple(n) => {
                    let items = popn(frame, n as usize)?;
                    self.meter.check_memory()?;
                    top!(self).stack.push(Value::tuple(items));
                }
                Instr::BuildSet(n) => self.op_build_set(n)?,
                Instr::BuildDict(n) => self.op_build_dict(n)?,
                Instr::ListAppend(depth) => {
                    let v = pop(frame)?;
                    let idx = frame
                        .stack
                        .len()
                        .checked_sub(depth as usize + 1)
                        .ok_or_else(|| internal("stack"))?;
                    if let Value::List(l) = &frame.stack[idx] {
                        let l = l.clone();
                        let n = l.borrow().len();
                        if n >= self.meter.limits.max_collection_len {
                            self.meter.check_len(n + 1)?;
                        }
                        self.meter.alloc(crate::types::list::push_cost(&l.borrow()))?;
                        l.borrow_mut_to_append().push(v);
                    }
                }
                Instr::SetAdd(depth) => self.op_set_add(depth)?,
                Instr::DictSet(depth) => self.op_dict_set(depth)?,
                Instr::ListExtend => self.op_list_extend()?,
                Instr::SetUpdate => self.op_set_update()?,
                Instr::DictUpdate => self.op_dict_update()?,
                Instr::ListToTuple => {
                    let v = pop(frame)?;
                    let t = match v {
                        Value::List(l) => Value::tuple(l.borrow().clone()),
                        other => other,
                    };
                    frame.stack.push(t);
                }
                Instr::Unpack(n) => {
                    let v = pop(frame)?;
                    // A tuple of the right length (`for k, v in d.items()`):
                    // its items go to the stack as they are, moved out when
                    // nothing else holds it, with no vector between.
                    let v = match v {
                        Value::Tuple(mut t) if t.len() == n as usize => {
                            match Rc::get_mut(&mut t) {
                                Some(only) => {
                                    frame.stack.extend(only.take_items().into_iter().rev())
                                }
                                None => t.iter().rev().for_each(|x| frame.stack.push_clone(x)),
                            }
                            continue;
                        }
                        v => v,
                    };
                    let items = self.unpack(&v, n as usize)?;
                    let frame = top!(self);
                    frame.stack.extend(items.into_iter().rev());
                }
                Instr::UnpackEx(before, after) => self.op_unpack_ex(before, after)?,
                Instr::GetIter => {
                    let v = pop(frame)?;
                    let it = self.get_iter(v)?;
                    top!(self).stack.push(it);
                }
                Instr::ForIter(t) => match self.range_next() {
                    RangeNext::Int(n) => top!(self).stack.push(Value::Int(n)),
                    RangeNext::Done => self.end_loop(t),
                    RangeNext::NotARange => {
                        if let Some(done) = self.enumerate_unpack(t) {
                            done?;
                            continue;
                        }
                        match self.for_iter_next()? {
                            Some(v) => top!(self).stack.push(v),
                            None => self.end_loop(t),
                        }
                    }
                },
                Instr::Call(argc) => {
                    let at = frame.stack.len().checked_sub(argc as usize + 1);
                    let callee = at.and_then(|i| frame.stack.get(i));
                    let is_func = matches!(callee, Some(Value::Func(_)));
                    let is_builtin = matches!(callee, Some(Value::Builtin(_)));
                    let is_type = matches!(callee, Some(Value::Type(_)));
                    if (is_func && self.call_plain(argc as usize)?)
                        || (is_builtin && !in_place_tried && self.call_builtin_fast(argc)?)
                        || (is_type && self.call_constructor_fast(argc)?)
                    {
                        continue;
                    }
                    let frame = top!(self);
                    let args = popn(frame, argc as usize)?;
                    let f = pop(frame)?;
                    match self.call_op(&f, args, Vec::new())? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                Instr::CallKw(argc, names) => {
                    if let Some(end) = self.op_call_kw(argc, names)? {
                        return Ok(end);
                    }
                }
                Instr::CallEx => {
                    if let Some(end) = self.op_call_ex()? {
                        return Ok(end);
                    }
                }
                Instr::CallMethod(name, argc) => {
                    if self.call_method_fast(name, argc, in_place_tried)? {
                        continue;
                    }
                    let frame = top!(self);
                    let args = popn(frame, argc as usize)?;
                    let recv = pop(frame)?;
                    let name = frame.code.names[name as usize].clone();
                    match self.call_method_op(recv, &name, args)? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                // A marker read by the call after it (`call_is_deferred`).
                Instr::Defer => {}
                Instr::MakeFunction(ci, nd, nkw) => self.op_make_function(ci, nd, nkw)?,
                Instr::Return => {
                    let last = self.frames.stack.len() <= base + 1;
                    let frame = top!(self);
                    // An int goes back to the caller by parts (see `pop_int`).
                    if let Some(n) = if last { None } else { frame.stack.pop_int() } {
                        self.frames.pop_returned();
                        top!(self).stack.push(Value::Int(n));
                        continue;
                    }
                    let v = pop(frame)?;
                    if let mode @ (Collect::UntilTrue | Collect::UntilFalse) = frame.collect {
                        // No item decided: `any` is false, `all` true.
                        v.discard();
                        self.end_short_circuit(mode == Collect::UntilFalse)?;
                        continue;
                    }
                    self.frames.pop_returned();
                    if last {
                        return Ok(ExecEnd::Returned(v));
                    }
                    top!(self).stack.push(v);
                }
                Instr::SetupExcept(h) => {
                    let b = Block {
                        handler: h,
                        stack_len: frame.stack.len(),
                        handled_len: frame.handled.len(),
                    };
                    frame.blocks.push(b);
                }
                Instr::PopBlock => {
                    frame.blocks.pop();
                }
                Instr::PopExcept => {
                    frame.handled.pop();
                }
                Instr::Raise(n) => self.op_raise(n)?,
                Instr::Reraise => {
                    let v = pop(frame)?;
                    frame.handled.pop();
                    match v {
                        Value::Exc(e) => return Err(Fault::Exc(e)),
                        _ => return Err(internal("reraise")),
                    }
                }
                Instr::ExcMatch => {
                    let t = pop(frame)?;
                    let e = pop(frame)?;
                    let m = exc_matches(&e, &t)?;
                    top!(self).stack.push(Value::Bool(AlignedBool(m)));
                }
                Instr::FormatValue(conv, has_spec) => self.op_format_value(conv, has_spec)?,
                Instr::BuildString(n) => self.op_build_string(n)?,
                Instr::Await => {
                    let v = pop(frame)?;
                    if self.frames.callback_depth > 0 && base > 0 {
                        return Err(Fault::Suspend(Vec::new(), true));
                    }
                    top!(self).stack.push(v);
                    if let Some(end) = self.await_value()? {
                        return Ok(end);
                    }
                }
                Instr::Yield => {
                    let v = pop(frame)?;
                    if let mode @ (Collect::UntilTrue | Collect::UntilFalse) = frame.collect {
                        self.short_circuit_item(v, mode)?;
                        continue;
                    }
                    if frame.collect == Collect::List {
                        // Run at once (`MakeGenerator`): the item joins the list.
                        let Some(Value::List(l)) = frame.stack.first() else {
                            return Err(internal("collecting generator without its list"));
                        };
                        let l = l.clone();
                        let n = l.borrow().len();
                        if n >= self.meter.limits.max_collection_len {
                            self.meter.check_len(n + 1)?;
                        }
                        self.meter.alloc(crate::types::list::push_cost(&l.borrow()))?;
                        l.borrow_mut_to_append().push(v);
                        continue;
                    }
                    // Only a generator's frame yields, run as its nested loop's base.
                    if self.frames.stack.len() != base + 1 {
                        return Err(internal("yield outside a generator's run"));
                    }
                    return Ok(ExecEnd::Yielded(v));
                }
                Instr::MakeGenerator => {
                    let iterator = pop(frame)?;
                    let Value::Func(func) = pop(frame)? else {
                        return Err(internal("generator without its code"));
                    };
                    self.make_generator(&func, iterator)?;
                }
                Instr::Import(k) => self.op_import(k)?,
                Instr::AsyncEnter => self.op_async_enter()?,
                Instr::AsyncExit => self.op_async_exit()?,
                Instr::LoadFastLoadFast(a, b) => self.load_fast_pair(a, b)?,
                Instr::LoadGlobalLoadGlobal(a, b) => self.load_global_pair(a, b)?,
                Instr::LoadConstBinary(c, op, inplace) => self.load_const_binary(c, op, inplace)?,
                Instr::CompareJumpIfFalse(op, t) => self.compare_jump_if_false(op, t)?,
                Instr::ForIterStoreFast(t, l) => self.for_iter_store(t, LoopTarget::Fast(l))?,
                Instr::ForIterStoreGlobal(t, g) => self.for_iter_store(t, LoopTarget::Global(g))?,
                Instr::LoadFastConstBinary(l, c, op, inplace) => {
                    push_local(frame, l)?;
                    self.second_half()?;
                    self.load_const_binary(c, op, inplace)?;
                }
                Instr::LoadGlobalConstBinary(g, c, op, inplace) => {
                    self.push_global(g)?;
                    self.second_half()?;
                    self.load_const_binary(c, op, inplace)?;
                }
                Instr::LoadConstCompareJumpIfFalse(c, op, t) => {
                    frame.stack.push_clone(&frame.code.consts[c as usize]);
                    self.second_half()?;
                    self.compare_jump_if_false(op, t)?;
                }
                Instr::StoreFastJump(l, t) => {
                    store_fast(frame, l)?;
                    self.second_half()?;
                    top!(self).pc = t as usize;
                }
                Instr::StoreGlobalJump(g, t) => {
                    self.pop_store_global(g)?;
                    self.second_half()?;
                    top!(self).pc = t as usize;
                }
            }
        }
    }

    fn op_delete_global(&mut self, i: u32) -> R<()> {
        let i = i as usize;
        if self.globals.values.get(i).cloned().flatten().is_none() {
            let name =
                self.globals.gnames.names.get_index(i).map(|(n, _)| n.clone()).unwrap_or_default();
            return Err(Fault::Exc(crate::builtins::names::name_error(&name)));
        }
        self.globals.values[i] = None;
        Ok(())
    }

    fn op_store_attr(&mut self, i: u32) -> R<()> {
        let frame = top!(self);
        let name = frame.code.names[i as usize].clone();
        let obj = pop(frame)?;
        exc(
            ExcKind::AttributeError,
            format!(
                "'{}' object attribute '{name}' is read-only (objects cannot be modified by attribute; use a dict)",
                obj.type_name()
            ),
        )
    }

    fn op_build_set(&mut self, n: u32) -> R<()> {
        let frame = top!(self);
        let items = popn(frame, n as usize)?;
        let mut set = KeySet::default();
        for it in items {
            set.insert(crate::types::equality::key(&mut self.meter, it)?);
        }
        self.meter.alloc(32 * n as usize + 32)?;
        top!(self).stack.push(Value::new_set(set));
        Ok(())
    }

    fn op_build_dict(&mut self, n: u32) -> R<()> {
        let frame = top!(self);
        let items = popn(frame, 2 * n as usize)?;
        let mut d = Dict::new();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            let k = crate::types::equality::key(&mut self.meter, k)?;
            d.map.insert(k, v);
        }
        self.meter.alloc(48 * n as usize + 64)?;
        top!(self).stack.push(Value::dict(d));
        Ok(())
    }

    fn op_set_add(&mut self, depth: u32) -> R<()> {
        let frame = top!(self);
        let v = pop(frame)?;
        let idx =
            frame.stack.len().checked_sub(depth as usize + 1).ok_or_else(|| internal("stack"))?;
        let target = frame.stack[idx].clone();
        let k = crate::types::equality::key(&mut self.meter, v)?;
        if let Value::Set(s) = &target {
            crate::types::set::charge_new_set_element(&mut self.meter, s)?;
            s.borrow_mut().insert(k);
        }
        Ok(())
    }

    fn op_dict_set(&mut self, depth: u32) -> R<()> {
        let frame = top!(self);
        let v = pop(frame)?;
        let k = pop(frame)?;
        let idx =
            frame.stack.len().checked_sub(depth as usize + 1).ok_or_else(|| internal("stack"))?;
        let target = frame.stack[idx].clone();
        let k = crate::types::equality::key(&mut self.meter, k)?;
        if let Value::Dict(d) = &target {
            // Comprehensions are held to the collection cap like `d[k] = v`.
            let n = d.borrow().map.len();
            if n >= self.meter.limits.max_collection_len {
                self.meter.check_len(n + 1)?;
            }
            crate::types::dict::charge_new_dict_key(&mut self.meter, d)?;
            d.borrow_mut().map.insert(k, v);
        }
        Ok(())
    }

    fn op_list_extend(&mut self) -> R<()> {
        let frame = top!(self);
        let it = pop(frame)?;
        let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
        let items = self.iterate(&it)?;
        if let Value::List(l) = &target {
            let n = l.borrow().len() + items.len();
            let cap = l.borrow().capacity();
            self.meter.check_growth(n, items.len(), cap)?;
            l.borrow_mut_to_append().extend(items);
        }
        Ok(())
    }

    fn op_set_update(&mut self) -> R<()> {
        let frame = top!(self);
        let it = pop(frame)?;
        let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
        let items = self.iterate(&it)?;
        if let Value::Set(s) = &target {
            for x in items {
                let k = crate::types::equality::key(&mut self.meter, x)?;
                crate::types::set::charge_new_set_element(&mut self.meter, s)?;
                s.borrow_mut().insert(k);
            }
        }
        Ok(())
    }

    fn op_dict_update(&mut self) -> R<()> {
        let frame = top!(self);
        let src = pop(frame)?;
        let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
        let Value::Dict(src) = src else {
            return type_err(format!("'{}' object is not a mapping", src.type_name()));
        };
        let items: Vec<(Key, Value)> =
            src.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        self.meter.alloc(48 * items.len())?;
        if let Value::Dict(d) = &target {
            d.borrow_mut().map.extend(items);
        }
        Ok(())
    }

    fn op_unpack_ex(&mut self, before: u32, after: u32) -> R<()> {
        let frame = top!(self);
        let v = pop(frame)?;
        let items = self.iterate(&v)?;
        let (b, a) = (before as usize, after as usize);
        if items.len() < b + a {
            return value_err(format!(
                "not enough values to unpack (expected at least {}, got {})",
                b + a,
                items.len()
            ));
        }
        let mut out = Vec::with_capacity(b + a + 1);
        out.extend(items[..b].iter().cloned());
        out.push(Value::list(items[b..items.len() - a].to_vec()));
        out.extend(items[items.len() - a..].iter().cloned());
        let frame = top!(self);
        frame.stack.extend(out.into_iter().rev());
        Ok(())
    }

    fn op_call_kw(&mut self, argc: u32, names: u32) -> R<Option<ExecEnd>> {
        let frame = top!(self);
        let Value::Tuple(names) = frame.code.consts[names as usize].clone() else {
            return Err(internal("kw names"));
        };
        let kwvals = popn(frame, names.len())?;
        let args = popn(frame, argc as usize)?;
        let f = pop(frame)?;
        let kwargs = names
            .iter()
            .zip(kwvals)
            .map(|(n, v)| (SmolStr::new(n.as_str().map(|s| s.as_str()).unwrap_or("")), v))
            .collect();
        self.call_op(&f, args, kwargs)
    }

    fn op_call_ex(&mut self) -> R<Option<ExecEnd>> {
        let frame = top!(self);
        let kw = pop(frame)?;
        let args = pop(frame)?;
        let f = pop(frame)?;
        let args = self.iterate(&args)?;
        let mut kwargs = Vec::new();
        if let Value::Dict(d) = &kw {
            for (k, v) in d.borrow().map.iter() {
                match &k.0 {
                    Value::Str(s) => kwargs.push((SmolStr::new(s.as_str()), v.clone())),
                    _ => return type_err("keywords must be strings"),
                }
            }
        }
        self.call_op(&f, args, kwargs)
    }

    fn op_make_function(&mut self, ci: u32, nd: u32, nkw: u32) -> R<()> {
        // A function value is charged by what holds it (`Value::unowned_cost`);
        // pre-charging it here makes a chain of closures reach a sync.
        self.meter.alloc(crate::mem::rc_block::<Function>() + 64)?;
        let frame = top!(self);
        let Value::Func(proto) = frame.code.consts[ci as usize].clone() else {
            return Err(internal("code const"));
        };
        let kwdefaults: Vec<Option<Value>> = popn(frame, nkw as usize)?
            .into_iter()
            .map(|v| if matches!(v, Value::Ellipsis) { None } else { Some(v) })
            .collect();
        let defaults = popn(frame, nd as usize)?;
        let closure = proto
            .code
            .free_from
            .iter()
            .map(|&c| {
                frame
                    .cells
                    .get(c as usize)
                    .cloned()
                    .unwrap_or_else(|| Rc::new(StoreCell::new(None)))
            })
            .collect();
        let f = Function { code: proto.code.clone(), defaults, kwdefaults, closure };
        frame.stack.push(Value::Func(Rc::new(f)));
        Ok(())
    }

    fn op_raise(&mut self, n: u32) -> R<()> {
        let frame = top!(self);
        if n == 0 {
            match frame.handled.last() {
                Some(e) => return Err(Fault::Exc(e.clone())),
                None => {
                    return exc(ExcKind::RuntimeError, "No active exception to reraise");
                }
            }
        }
        let v = pop(frame)?;
        let e = self.make_exception(v)?;
        // Pre-charged, as a new container is: the list a handler keeps it in
        // counts it only at the next sync, which these charges bring due.
        self.meter.alloc(e.mem_cost())?;
        Err(Fault::Exc(e))
    }

    fn op_format_value(&mut self, conv: u32, has_spec: bool) -> R<()> {
        let frame = top!(self);
        let spec = if has_spec { Some(pop(frame)?) } else { None };
        let v = pop(frame)?;
        let v = match conv {
            1 => Value::str(crate::format::repr::repr(&mut self.meter, &v)?),
            2 => crate::format::repr::str_value(&mut self.meter, v)?,
            3 => {
                let text = crate::format::repr::repr(&mut self.meter, &v)?;
                Value::str(crate::types::str::repr::ascii_escape(&mut self.meter, text)?)
            }
            _ => v,
        };
        let spec_s = match &spec {
            Some(Value::Str(s)) => s.as_str(),
            _ => "",
        };
        let s = if spec_s.is_empty() {
            crate::format::repr::str_value(&mut self.meter, v)?
        } else {
            Value::str(crate::format::spec::format_spec(&mut self.meter, &v, spec_s)?)
        };
        top!(self).stack.push(s);
        Ok(())
    }

    fn op_build_string(&mut self, n: u32) -> R<()> {
        let frame = top!(self);
        // Joined in place on the stack: no vector of parts per f-string.
        let Some(start) = frame.stack.len().checked_sub(n as usize) else {
            return Err(internal("stack underflow"));
        };
        let (mut total, mut chars, mut ascii) = (0, 0, true);
        for p in &frame.stack[start..] {
            if let Value::Str(s) = p {
                total += s.byte_len();
                chars += s.char_len();
                ascii &= s.is_ascii();
            }
        }
        self.meter.check_str_len(total)?;
        let frame = top!(self);
        let parts = frame.stack[start..].iter().filter_map(|p| p.as_str().map(Str::as_str));
        let out = Str::concat_text(parts, total);
        frame.stack.truncate(start);
        frame.stack.push(Value::Str(Str::joined(out, chars, ascii)));
        Ok(())
    }

    fn op_import(&mut self, k: u32) -> R<()> {
        let frame = top!(self);
        let name = match &frame.code.consts[k as usize] {
            Value::Str(s) => s.as_str().to_string(),
            _ => return Err(internal("import name")),
        };
        let m = self.modules.registry.import(&name)?;
        top!(self).stack.push(m);
        Ok(())
    }
}

/// Whether the instruction just executed by the top frame was `Inplace`.
fn op_kind(frames: &[Frame], pc: Option<usize>) -> Option<bool> {
    let f = frames.last()?;
    Some(matches!(f.code.ops.get(pc?)?, Instr::Inplace(_)))
}

fn frame_pc_prev(frames: &[Frame]) -> Option<usize> {
    frames.last().and_then(|f| f.pc.checked_sub(1))
}
