//! Calls: binding arguments to a new frame (CPython's argument errors),
//! calling any callable from the loop (frames are pushed, host calls
//! suspend) or from a builtin's callback (a nested loop, depth-capped, on a
//! growable stack), unwinding to an exception handler, and raising.

use std::cell::RefCell;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::Code;
use crate::fault::{Fault, R, exc, type_err};
use crate::limits::{LimitError, LimitKind};
use crate::value::frame::{Collect, Frame, FrameCharge};
use crate::value::*;
use crate::vm::{Called, ExecEnd, Vm};

impl Vm {
    // ------------------------------------------------------------ calls

    #[allow(clippy::needless_range_loop)]
    pub(crate) fn make_frame(
        &mut self,
        func: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Frame> {
        let code = &func.code;
        if kwargs.is_empty() && Vm::binds_plainly(func, args.len()) {
            return Ok(self.plain_frame(func, args));
        }
        let (stack, mut locals) = self.frames.take_spare();
        locals.resize(code.local_names.len(), None);
        let nargs = code.argcount;
        let fname = code.name.as_str();
        let mut extra = Vec::new();
        let total_pos = args.len();
        for (i, a) in args.into_iter().enumerate() {
            if i < nargs {
                locals[i] = Some(a);
            } else if code.has_varargs {
                extra.push(a);
            } else {
                let given = total_pos;
                let min = nargs - func.defaults.len().min(nargs);
                let takes =
                    if min < nargs { format!("from {min} to {nargs}") } else { nargs.to_string() };
                return type_err(format!(
                    "{fname}() takes {takes} positional argument{} but {} {} given",
                    if nargs == 1 && min == nargs { "" } else { "s" },
                    given,
                    if given == 1 { "was" } else { "were" }
                ));
            }
        }
        // Made only for a `**kwargs` function: a hash table's seed and drop
        // cost more than the rest of a small call.
        let mut kwextra: Option<Dict> = None;
        for (k, v) in kwargs {
            let pos = code.local_names[..nargs + code.kwonly].iter().position(|n| *n == k);
            match pos {
                Some(p) => {
                    if locals[p].is_some() {
                        return type_err(format!(
                            "{fname}() got multiple values for argument '{k}'"
                        ));
                    }
                    locals[p] = Some(v);
                }
                None if code.has_varkw => {
                    kwextra
                        .get_or_insert_with(Dict::new)
                        .map
                        .insert(Key(Value::str(k.as_str())), v);
                }
                None => {
                    return type_err(format!("{fname}() got an unexpected keyword argument '{k}'"));
                }
            }
        }
        // Defaults for trailing positional parameters.
        let nd = func.defaults.len();
        let mut missing = Vec::new();
        for i in 0..nargs {
            if locals[i].is_none() {
                if i + nd >= nargs {
                    locals[i] = Some(func.defaults[i + nd - nargs].clone());
                } else {
                    missing.push(code.local_names[i].clone());
                }
            }
        }
        if !missing.is_empty() {
            return type_err(format!(
                "{fname}() missing {} required positional argument{}: {}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                join_names(&missing)
            ));
        }
        for j in 0..code.kwonly {
            let i = nargs + j;
            if locals[i].is_none() {
                match func.kwdefaults.get(j).cloned().flatten() {
                    Some(v) => locals[i] = Some(v),
                    None => {
                        return type_err(format!(
                            "{fname}() missing 1 required keyword-only argument: '{}'",
                            code.local_names[i]
                        ));
                    }
                }
            }
        }
        let mut next = nargs + code.kwonly;
        if code.has_varargs {
            locals[next] = Some(Value::tuple(extra));
            next += 1;
        }
        if code.has_varkw {
            locals[next] = Some(Value::dict(kwextra.unwrap_or_default()));
        }
        if code.ncells > 0 {
            // Cells are registered containers: charged there, pre-charged here.
            self.meter.alloc(code.ncells * crate::mem::rc_block::<StoreCell<Option<Value>>>())?;
        }
        let mut cells: Vec<Rc<StoreCell<Option<Value>>>> = (0..code.ncells)
            .map(|_| {
                let c = Rc::new(StoreCell::new(None));
                crate::gc::Track::track(&c);
                c
            })
            .collect();
        for &(l, c) in &code.param_cells {
            if let Some(cell) = cells.get(c as usize) {
                *cell.borrow_mut() = locals[l as usize].take();
            }
        }
        cells.extend(func.closure.iter().cloned());
        let bytes = code.frame_bytes(cells.len());
        let charge = if bytes > FRAME_FREE {
            self.meter.alloc(bytes)?;
            self.meter.account.charge(bytes);
            Some(FrameCharge { account: self.meter.account.clone(), bytes })
        } else {
            None
        };
        Ok(Frame {
            code: code.clone(),
            pc: 0,
            stack,
            locals,
            cells,
            blocks: Vec::new(),
            handled: Vec::new(),
            _charge: charge,
            collect: Collect::No,
        })
    }

    /// A frame of a plain function (`Code::plain`) given between its
    /// required and total number of positional arguments and no keywords,
    /// small enough to be free (`FRAME_FREE`): bound as `call_plain` binds,
    /// without the general binding's checks and vectors (a sort key, `map`'s
    /// function, called from a builtin: ~540 instructions a call went to
    /// binding, issue #59).
    fn plain_frame(&mut self, func: &Rc<Function>, args: Vec<Value>) -> Frame {
        let (stack, locals) = self.plain_bind(func, args);
        plain_frame_of(func, stack, locals)
    }

    /// Whether a call of `func` with `argc` positional arguments and no
    /// keywords may bind as [`Vm::plain_frame`] binds.
    fn binds_plainly(func: &Function, argc: usize) -> bool {
        let code = &func.code;
        code.plain
            && argc <= code.argcount
            && argc + func.defaults.len() >= code.argcount
            && frame_cost(code, func.closure.len()) <= FRAME_FREE
    }

    /// A recycled operand stack and locals with `args` and the defaults of
    /// the parameters not given bound (see [`Vm::plain_frame`]).
    fn plain_bind(
        &mut self,
        func: &Function,
        args: Vec<Value>,
    ) -> (crate::value::stack::OperandStack, Vec<Option<Value>>) {
        let code = &func.code;
        let (argc, nargs) = (args.len(), code.argcount);
        let (stack, mut locals) = self.frames.take_spare();
        locals.resize(code.local_names.len(), None);
        for (slot, arg) in locals.iter_mut().zip(args) {
            *slot = Some(arg);
        }
        // Defaults for the trailing parameters not given (the caller checked: enough).
        let first_default = nargs.saturating_sub(func.defaults.len());
        let used_defaults =
            func.defaults.get(argc.saturating_sub(first_default)..).unwrap_or_default();
        if let Some(rest) = locals.get_mut(argc..nargs) {
            for (slot, default) in rest.iter_mut().zip(used_defaults) {
                *slot = Some(default.clone_fast());
            }
        }
        (stack, locals)
    }

    /// `f(a, b)` where `f` is a plain Python function (positional
    /// parameters only: no `*args`, `**kwargs` or keyword-only ones, no cells
    /// of its own, not async: `Code::plain`) given between its required and
    /// total number of arguments: binds them straight from the caller's
    /// operand stack into a recycled frame, with no argument vector and none
    /// of `make_frame`'s general binding. Returns `false`, having done
    /// nothing, for any other call (the general path binds it or raises
    /// CPython's error).
    pub(super) fn call_plain(&mut self, argc: usize) -> R<bool> {
        let frame = top!(self);
        let len = frame.stack.len();
        let Some(Value::Func(func)) = len.checked_sub(argc + 1).and_then(|i| frame.stack.get(i))
        else {
            return Ok(false);
        };
        let code = &func.code;
        let nargs = code.argcount;
        if !code.plain
            || argc > nargs
            || argc + func.defaults.len() < nargs
            || frame_cost(code, func.closure.len()) > FRAME_FREE
        {
            return Ok(false);
        }
        let nlocals = code.local_names.len();
        // Charged as `call_dispatch` charges a call, before any work.
        self.meter.fuel(2)?;
        self.check_call_depth()?;
        // A returned frame parked above the caller is rebound where it lies.
        if let Some((caller, callee)) = self.frames.stack.reuse_top() {
            let func = bind_plain_args(caller, &mut callee.locals, argc, nlocals)?;
            bind_defaults(&func, &mut callee.locals, argc);
            rebind_plain(callee, &func);
            self.frames.stack.push_reused();
            return Ok(true);
        }
        self.call_plain_new_frame(argc, nlocals)
    }

    /// [`Vm::call_plain`] with no returned frame parked to rebind: a new
    /// frame (the first call at this depth). Out of line, so that the
    /// dispatch loop holds the binding once.
    #[inline(never)]
    fn call_plain_new_frame(&mut self, argc: usize, nlocals: usize) -> R<bool> {
        let (stack, mut locals) = self.frames.take_spare();
        let func = bind_plain_args(top!(self), &mut locals, argc, nlocals)?;
        bind_defaults(&func, &mut locals, argc);
        // Built in place on the frame stack (the depth was checked above).
        self.frames.stack.push(plain_frame_of(&func, stack, locals));
        Ok(true)
    }

    pub(super) fn push_frame(&mut self, frame: Frame) -> R<()> {
        self.check_call_depth()?;
        self.frames.stack.push(frame);
        Ok(())
    }

    /// The frames running now (`sys.setrecursionlimit`'s check).
    pub(crate) fn call_depth(&self) -> usize {
        self.frames.depth()
    }

    /// The call-depth limit, checked before a frame is pushed.
    #[inline]
    pub(super) fn check_call_depth(&self) -> R<()> {
        if self.frames.depth() >= self.meter.limits.max_call_depth {
            return Err(call_depth_exceeded(
                self.meter.limits.max_call_depth,
                self.meter.call_depth_cap,
            ));
        }
        Ok(())
    }

    /// Runs `f` one nested level deeper (a lazy `map`/`zip`... pulling from
    /// its source): checked against the call-depth limit and counted as a
    /// callback, so that a chain of adapters over adapters meets that limit
    /// instead of the native stack's end; the Rust stack grown on the heap.
    pub(crate) fn nested_level<T>(&mut self, f: impl FnOnce(&mut Vm) -> R<T>) -> R<T> {
        self.check_call_depth()?;
        self.frames.callback_depth += 1;
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || f(self));
        self.frames.callback_depth -= 1;
        r
    }

    /// Call any callable from Rust (a builtin's callback: sort keys, map...).
    /// Runs a nested loop on the same frame stack; host calls cannot suspend here.
    pub(crate) fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Value> {
        // A plain function (a sort key, `map`'s lambda): its frame is built
        // where it runs, with `call_dispatch`'s charges and checks.
        if let Value::Func(func) = f {
            if kwargs.is_empty() && Vm::binds_plainly(func, args.len()) {
                self.meter.fuel(crate::cost::FUEL_PER_CALLBACK)?;
                self.meter.fuel(2)?;
                self.check_callback_depth()?;
                self.check_call_depth()?;
                let base = self.frames.stack.len();
                let (stack, locals) = self.plain_bind(func, args);
                self.frames.stack.push(plain_frame_of(func, stack, locals));
                return self.run_callback(base);
            }
        }
        if let Some(v) = self.method_callback_fast(f, &args, &kwargs) {
            return v;
        }
        // A program's function pays for its frame and nested loop; a
        // builtin or a type (`defaultdict(list)`'s factory, `key=str`) for
        // the argument vector and the dispatch.
        self.meter.fuel(if matches!(f, Value::Func(_)) {
            crate::cost::FUEL_PER_CALLBACK
        } else {
            crate::cost::FUEL_PER_BUILTIN_CALLBACK
        })?;
        let called = match self.call_dispatch(f, args, kwargs) {
            Err(Fault::Suspend(..)) => return exc(ExcKind::RuntimeError, CALLBACK_HOST_MSG),
            other => other?,
        };
        match called {
            Called::Value(v) => Ok(v),
            Called::Frame(frame) => {
                self.check_callback_depth()?;
                let base = self.frames.stack.len();
                self.push_frame(frame)?;
                self.run_callback(base)
            }
        }
    }

    /// `key=d.get` (`max(d, key=d.get)`, `sorted(d, key=d.get)`): the
    /// lookup made as the fast path of `d.get(k)` makes it
    /// (`vm/method_fast.rs`: a key that hashes for free), not dispatched by
    /// name (the arity and cost tables searched by name, ~500 instructions
    /// a call). Charged what a builtin's callback is, before it. `None`:
    /// another callable or arguments, nothing done.
    #[inline]
    fn method_callback_fast(
        &mut self,
        f: &Value,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
    ) -> Option<R<Value>> {
        let Value::Method(m) = f else { return None };
        let (Value::Dict(d), "get") = (&m.0, m.1.as_str()) else { return None };
        let ([k] | [k, _]) = args else { return None };
        if !kwargs.is_empty() || !crate::types::equality::key_is_free(k) {
            return None;
        }
        if let Err(e) = self.meter.fuel(crate::cost::FUEL_PER_BUILTIN_CALLBACK) {
            return Some(Err(e));
        }
        Some(Ok(crate::types::dict::dict_get(d, k, args.get(1))))
    }

    /// The limit on callbacks nested in callbacks (functions passed to
    /// builtins calling builtins...).
    fn check_callback_depth(&self) -> R<()> {
        if self.frames.callback_depth >= 32 {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::CallDepth,
                "callbacks nested too deeply (functions passed to builtins calling builtins...)",
            )));
        }
        Ok(())
    }

    /// Runs the callback frame pushed at `base` in a nested loop, to its
    /// return.
    fn run_callback(&mut self, base: usize) -> R<Value> {
        self.frames.callback_depth += 1;
        // Nested loops (a sort key calling sorted...) use more Rust
        // stack; grow it on the heap instead of overflowing a small
        // thread stack.
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.exec(base));
        self.frames.callback_depth -= 1;
        self.frames.stack.truncate(base);
        match r {
            Ok(ExecEnd::Returned(v)) => Ok(v),
            Ok(_) | Err(Fault::Suspend(..)) => exc(
                ExcKind::RuntimeError,
                "a host call (llm_query, await...) cannot run inside a function called by a builtin \
                 (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead",
            ),
            Err(e) => Err(e),
        }
    }

    fn call_dispatch(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Called> {
        match f {
            Value::Func(func) => {
                if func.code.is_async {
                    return Ok(Called::Value(Value::Coroutine(Rc::new(RefCell::new(Coroutine {
                        func: func.clone(),
                        args,
                        kwargs,
                        started: false,
                    })))));
                }
                self.meter.fuel(2)?;
                Ok(Called::Frame(self.make_frame(func, args, kwargs)?))
            }
            Value::Native(n) => {
                if let Some(p) = n.module::<crate::modules::functools::Partial>() {
                    let mut a = p.args.clone();
                    a.extend(args);
                    let mut kw = p.kwargs.clone();
                    for (k, v) in kwargs {
                        kw.retain(|(k2, _)| *k2 != k);
                        kw.push((k, v));
                    }
                    let inner = p.func.clone();
                    return self.call_dispatch(&inner, a, kw);
                }
                let n = n.clone();
                Ok(Called::Value(crate::modules::native::native_call(self, &n, args, kwargs)?))
            }
            _ => Ok(Called::Value(self.call_nonframe(f, args, kwargs)?)),
        }
    }

    // ------------------------------------------------------------ exceptions

    /// Find a handler for `e` in frames above `base`; on success the top
    /// frame is positioned at the handler with the exception pushed.
    pub(super) fn unwind(&mut self, mut e: Rc<Exception>, base: usize) -> R<()> {
        // Raising (the exception made, its traceback grown) and finding the
        // handler cost far more than an instruction each.
        self.meter.fuel(crate::cost::FUEL_PER_RAISE)?;
        loop {
            let Some(frame) = self.frames.stack.last_mut() else { return Err(Fault::Exc(e)) };
            let line = frame.code.lines.get(frame.pc.saturating_sub(1)).copied().unwrap_or(0);
            {
                let mut tb = e.traceback.borrow_mut();
                if tb.len() < 64 {
                    tb.push((frame.code.name.clone(), line));
                }
            }
            if let Some(b) = frame.blocks.pop() {
                frame.stack.truncate(b.stack_len);
                frame.handled.truncate(b.handled_len);
                frame.handled.push(e.clone());
                frame.stack.push(Value::Exc(e));
                frame.pc = b.handler as usize;
                return Ok(());
            }
            let ran_at_once = frame.collect != Collect::No;
            if ran_at_once {
                e = crate::vm::generator::stop_iteration_leaving(e);
            }
            if self.frames.stack.len() <= base + 1 {
                self.frames.stack.pop();
                return Err(Fault::Exc(e));
            }
            self.frames.stack.pop();
        }
    }

    /// Perform a call from the loop: frames are pushed, host calls suspend.
    pub(super) fn call_op(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Option<ExecEnd>> {
        if let Value::Builtin(b) = f {
            if b.module == "asyncio" && b.name == "run" && self.frames.callback_depth == 0 {
                // `asyncio.run(main())`: await the coroutine in the running loop.
                let Some(v) = args.into_iter().next() else {
                    return type_err("run() missing 1 required positional argument: 'main'");
                };
                top!(self).stack.push(v);
                return self.await_value();
            }
        }
        match self.call_dispatch(f, args, kwargs) {
            Ok(Called::Value(v)) => {
                top!(self).stack.push(v);
                Ok(None)
            }
            Ok(Called::Frame(frame)) => {
                self.push_frame(frame)?;
                Ok(None)
            }
            Err(Fault::Suspend(calls, single)) => {
                if self.frames.callback_depth > 0 {
                    return exc(
                        ExcKind::RuntimeError,
                        "a host call (llm_query...) cannot run inside a function called by a builtin \
                         (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead",
                    );
                }
                Ok(Some(ExecEnd::Suspend(calls, single)))
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn call_method_op(
        &mut self,
        recv: Value,
        name: &SmolStr,
        args: Vec<Value>,
    ) -> R<Option<ExecEnd>> {
        match &recv {
            Value::Str(_)
            | Value::List(_)
            | Value::Dict(_)
            | Value::Tuple(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Deque(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Range(_)
            | Value::Host(_)
            | Value::Native(_) => match self.call_method(&recv, name, args, Vec::new()) {
                Ok(v) => {
                    top!(self).stack.push(v);
                    Ok(None)
                }
                Err(Fault::Suspend(calls, single)) if self.frames.callback_depth == 0 => {
                    Ok(Some(ExecEnd::Suspend(calls, single)))
                }
                Err(e) => Err(e),
            },
            _ => {
                let f = self.get_attr(&recv, name)?;
                self.call_op(&f, args, Vec::new())
            }
        }
    }

    pub(crate) fn truthy(&mut self, v: &Value) -> R<bool> {
        Ok(v.truthy())
    }

    pub(super) fn make_exception(&mut self, v: Value) -> R<Rc<Exception>> {
        match v {
            Value::Exc(e) => Ok(e),
            Value::Type(Ty::Exc(k)) => Ok(Exception::with_args(k, Vec::new())),
            other => type_err(format!(
                "exceptions must derive from BaseException, not {}",
                other.type_name()
            )),
        }
    }
}

const CALLBACK_HOST_MSG: &str = "a host call (llm_query, await...) cannot run inside a function called by a builtin \
     (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead";

fn join_names(names: &[SmolStr]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        _ => format!("{}, and {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

/// Binds a plain call's `argc` arguments, from the top of `caller`'s
/// operand stack, into `locals` (empty, made `nlocals` long, every other
/// slot unbound), and pops the callee under them: the function called.
#[inline(always)]
fn bind_plain_args(
    caller: &mut Frame,
    locals: &mut Vec<Option<Value>>,
    argc: usize,
    nlocals: usize,
) -> R<Rc<Function>> {
    // Every slot unbound, then the arguments moved in from the top of the
    // caller's stack down (pops: no drain to set up and close). Pushed one
    // by one: `Vec::resize` was a call, its `None` passed through memory
    // (recycled locals have the room).
    for _ in 0..nlocals {
        locals.push(None);
    }
    let Some(params) = locals.get_mut(..argc) else {
        return Err(crate::vm::internal("call_plain: fewer locals than arguments"));
    };
    for slot in params.iter_mut().rev() {
        *slot = caller.stack.pop();
    }
    match caller.stack.pop() {
        Some(Value::Func(func)) => Ok(func),
        _ => Err(crate::vm::internal("call_plain: callee moved")),
    }
}

/// The defaults of a plain call's trailing parameters not given (the
/// caller checked there are enough).
#[inline(always)]
fn bind_defaults(func: &Function, locals: &mut [Option<Value>], argc: usize) {
    let nargs = func.code.argcount;
    let first_default = nargs.saturating_sub(func.defaults.len());
    let used_defaults = func.defaults.get(argc.saturating_sub(first_default)..).unwrap_or_default();
    if let Some(rest) = locals.get_mut(argc..nargs) {
        for (slot, default) in rest.iter_mut().zip(used_defaults) {
            *slot = Some(default.clone_fast());
        }
    }
}

/// A plain function's frame over its bound operand stack and locals: free
/// (no charge), sharing the function's closure cells.
#[inline(always)]
fn plain_frame_of(
    func: &Function,
    stack: crate::value::stack::OperandStack,
    locals: Vec<Option<Value>>,
) -> Frame {
    Frame {
        code: func.code.clone(),
        pc: 0,
        stack,
        locals,
        cells: if func.closure.is_empty() { Vec::new() } else { func.closure.clone() },
        blocks: Vec::new(),
        handled: Vec::new(),
        _charge: None,
        collect: Collect::No,
    }
}

/// A parked frame (emptied where it lies by `FrameStack::pop_returned`,
/// its locals bound since) made [`plain_frame_of`]'s frame of `func` in
/// place: every field named, so that a field added to `Frame` is set here
/// too.
#[inline(always)]
fn rebind_plain(frame: &mut Frame, func: &Function) {
    let Frame { code, pc, stack, locals: _, cells, blocks, handled, _charge, collect } = frame;
    debug_assert!(stack.is_empty() && blocks.is_empty() && handled.is_empty() && _charge.is_none());
    *code = func.code.clone();
    *pc = 0;
    *collect = Collect::No;
    if !func.closure.is_empty() {
        cells.clone_from(&func.closure);
    }
}

/// A frame's own buffers (`Code::frame_bytes`), the common case of no
/// cells read from the code rather than computed per call.
#[inline]
fn frame_cost(code: &Code, ncells: usize) -> usize {
    if ncells == 0 { code.frame_bytes_no_cells } else { code.frame_bytes(ncells) }
}

/// Past the call-depth limit: under a limit the program lowered itself
/// (`sys.setrecursionlimit`), CPython's `RecursionError`, which the program
/// may catch (it stays below the embedder's limit, `cap`, whatever it
/// does); at the embedder's own limit, the limit error, which ends the cell.
#[cold]
fn call_depth_exceeded(max: usize, cap: usize) -> Fault {
    if max < cap {
        return Fault::Exc(Exception::new(
            ExcKind::RecursionError,
            "maximum recursion depth exceeded",
        ));
    }
    Fault::Limit(LimitError::new(
        LimitKind::CallDepth,
        format!("maximum call depth exceeded ({max} frames)"),
    ))
}

/// Frames costing at most this are not charged: the call-depth cap bounds
/// them (400 frames at the default: 6.25 MiB), and charging every call
/// would cost the interpreter's hottest path. Functions of more than about
/// 500 instructions or 1,000 locals are charged per call.
const FRAME_FREE: usize = 16 << 10;
