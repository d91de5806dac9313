//! Statements: assignments, control flow (loops with `break`/`continue`
//! and `else`, unwinding through `try`/`finally`), `try`, `raise`,
//! `assert`, imports, `del`, and assignment targets.

use rlm_syntax::ast::{self, Expr, ExprKind, Stmt, StmtKind};
use smol_str::SmolStr;

use crate::compile::{CResult, Compiler, FnBody, Instr, Scope, Unwind};
use crate::value::{ExcKind, Ty, Value};

impl Compiler<'_> {
    /// What `while` and `for` share after their head: the body as a loop
    /// (the target of `break`/`continue`), the jump back to `top`, the exit
    /// (`exit` is the head's jump out), the `else` block, and the breaks.
    pub(super) fn loop_rest(
        &mut self,
        top: u32,
        exit: usize,
        is_for: bool,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> CResult {
        self.b().unwind.push(Unwind::Loop { continue_to: top, breaks: Vec::new(), is_for });
        self.block(body)?;
        self.emit(Instr::Jump(top));
        let Some(Unwind::Loop { breaks, .. }) = self.b().unwind.pop() else {
            return Err(self.err("internal: loop stack"));
        };
        self.patch(exit);
        self.block(orelse)?;
        for br in breaks {
            self.patch(br);
        }
        Ok(())
    }

    pub(super) fn block(&mut self, body: &[Stmt]) -> CResult {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    pub(super) fn stmt(&mut self, s: &Stmt) -> CResult {
        if crate::stack_guard::stack_low() {
            return Err(self.err(super::expr::NESTS_TOO_DEEPLY));
        }
        self.set_line(s.span);
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e)?;
                self.emit(Instr::Pop);
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Instr::Dup);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => match &target.kind {
                ExprKind::Name(n) => {
                    self.load_name(n);
                    self.expr(value)?;
                    self.emit(Instr::Inplace(*op));
                    self.store_name(n);
                }
                ExprKind::Subscript { value: obj, index } => {
                    self.expr(obj)?;
                    self.subscript_index(index)?;
                    self.emit(Instr::Dup2);
                    self.emit(Instr::Subscr);
                    self.expr(value)?;
                    self.emit(Instr::Inplace(*op));
                    self.emit(Instr::StoreSubscr);
                }
                ExprKind::Attribute { value: obj, attr } => {
                    self.expr(obj)?;
                    let n = self.name_idx(attr);
                    self.emit(Instr::StoreAttr(n));
                }
                _ => return Err(self.err("illegal expression for augmented assignment")),
            },
            StmtKind::AnnAssign { target, value, .. } => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store_target(target)?;
                }
            }
            StmtKind::If { test, body, orelse } => {
                self.expr(test)?;
                let j = self.emit(Instr::JumpIfFalse(0));
                self.block(body)?;
                if orelse.is_empty() {
                    self.patch(j);
                } else {
                    let end = self.emit(Instr::Jump(0));
                    self.patch(j);
                    self.block(orelse)?;
                    self.patch(end);
                }
            }
            StmtKind::While { test, body, orelse } => {
                let top = self.here();
                self.expr(test)?;
                let exit = self.emit(Instr::JumpIfFalse(0));
                self.loop_rest(top, exit, false, body, orelse)?;
            }
            StmtKind::For { target, iter, body, orelse } => {
                self.iterable(iter)?;
                self.emit(Instr::GetIter);
                let top = self.here();
                let fi = self.emit(Instr::ForIter(0));
                self.store_target(target)?;
                self.loop_rest(top, fi, true, body, orelse)?;
            }
            StmtKind::Break | StmtKind::Continue => {
                self.break_continue(matches!(s.kind, StmtKind::Break))?;
            }
            StmtKind::Return(value) => self.return_stmt(value.as_ref())?,
            StmtKind::Pass => {}
            StmtKind::FunctionDef(f) => {
                self.function(&f.name, &f.params, FnBody::Stmts(&f.body), f.is_async)?;
                self.store_name(&f.name);
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                self.try_stmt(body, handlers, orelse, finalbody)?;
            }
            StmtKind::Raise { exc, cause } => match exc {
                None => {
                    self.emit(Instr::Raise(0));
                }
                Some(e) => {
                    self.expr(e)?;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        self.emit(Instr::Pop);
                    }
                    self.emit(Instr::Raise(1));
                }
            },
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                let j = self.emit(Instr::JumpIfTrue(0));
                let k = self.konst(Value::Type(Ty::Exc(ExcKind::AssertionError)));
                self.emit(Instr::LoadConst(k));
                match msg {
                    Some(m) => {
                        self.expr(m)?;
                        self.emit(Instr::Call(1));
                    }
                    None => {
                        self.emit(Instr::Call(0));
                    }
                }
                self.emit(Instr::Raise(1));
                self.patch(j);
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let k = self.konst(Value::str(a.name.as_str()));
                    self.emit(Instr::Import(k));
                    let bind = a.asname.clone().unwrap_or_else(|| {
                        SmolStr::new(a.name.split('.').next().unwrap_or(&a.name))
                    });
                    self.store_name(&bind);
                }
            }
            StmtKind::ImportFrom { module, names } => self.import_from(module, names)?,
            StmtKind::Delete(targets) => self.delete(targets)?,
            StmtKind::AsyncWith { items, body } => self.async_with(items, body)?,
        }
        Ok(())
    }

    /// `break`/`continue`: unwind the enclosing `try` blocks up to the loop.
    fn break_continue(&mut self, is_break: bool) -> CResult {
        // Unwind enclosing try/except/finally up to the loop.
        let mut i = self.b().unwind.len();
        loop {
            if i == 0 {
                return Err(self.err(if is_break {
                    "'break' outside loop"
                } else {
                    "'continue' not properly in loop"
                }));
            }
            i -= 1;
            match &self.b().unwind[i] {
                Unwind::Loop { continue_to, is_for, .. } => {
                    let (ct, is_for) = (*continue_to, *is_for);
                    if is_break {
                        if is_for {
                            self.emit(Instr::Pop);
                        }
                        let j = self.emit(Instr::Jump(0));
                        if let Unwind::Loop { breaks, .. } = &mut self.b().unwind[i] {
                            breaks.push(j);
                        }
                    } else {
                        self.emit(Instr::Jump(ct));
                    }
                    break;
                }
                Unwind::TryBlock => {
                    self.emit(Instr::PopBlock);
                }
                Unwind::Except => {
                    self.emit(Instr::PopExcept);
                }
                Unwind::ExcOnStack => {
                    self.emit(Instr::PopExcept);
                    self.emit(Instr::Pop);
                }
                Unwind::AsyncWith => {
                    self.emit(Instr::PopBlock);
                    self.async_exit_clean();
                }
                Unwind::Finally(fb) => {
                    let fb = fb.clone();
                    self.emit(Instr::PopBlock);
                    // The finally body runs outside the protected region.
                    let saved: Vec<Unwind> = self.b().unwind.drain(i..).collect();
                    self.block(&fb)?;
                    self.b().unwind.extend(saved);
                }
            }
        }
        Ok(())
    }

    /// `return`: run the enclosing `finally` bodies first.
    fn return_stmt(&mut self, value: Option<&Expr>) -> CResult {
        if self.scopes.last().is_some_and(|s| s.is_module) {
            return Err(self.err("'return' outside function"));
        }
        match value {
            Some(v) => self.expr(v)?,
            None => {
                self.emit(Instr::LoadNone);
            }
        }
        let mut i = self.b().unwind.len();
        while i > 0 {
            i -= 1;
            match &self.b().unwind[i] {
                Unwind::Finally(fb) => {
                    let fb = fb.clone();
                    self.emit(Instr::PopBlock);
                    let saved: Vec<Unwind> = self.b().unwind.drain(i..).collect();
                    self.block(&fb)?;
                    self.b().unwind.extend(saved);
                }
                Unwind::TryBlock => {
                    self.emit(Instr::PopBlock);
                }
                Unwind::Except | Unwind::ExcOnStack => {
                    self.emit(Instr::PopExcept);
                }
                Unwind::AsyncWith => {
                    // The return value is above the manager.
                    self.emit(Instr::PopBlock);
                    self.emit(Instr::Rot2);
                    self.async_exit_clean();
                }
                Unwind::Loop { .. } => {}
            }
        }
        self.emit(Instr::Return);
        Ok(())
    }

    /// `try` (with `finally`: the body runs again on the exception path).
    fn try_stmt(
        &mut self,
        body: &[Stmt],
        handlers: &[ast::ExceptHandler],
        orelse: &[Stmt],
        finalbody: &[Stmt],
    ) -> CResult {
        if finalbody.is_empty() {
            self.try_except(body, handlers, orelse)?;
        } else {
            let setup = self.emit(Instr::SetupExcept(0));
            self.b().unwind.push(Unwind::Finally(finalbody.to_vec()));
            if handlers.is_empty() {
                self.block(body)?;
                self.block(orelse)?;
            } else {
                self.try_except(body, handlers, orelse)?;
            }
            self.b().unwind.pop();
            self.emit(Instr::PopBlock);
            self.block(finalbody)?;
            let end = self.emit(Instr::Jump(0));
            self.patch(setup);
            self.b().unwind.push(Unwind::ExcOnStack);
            self.block(finalbody)?;
            self.b().unwind.pop();
            self.emit(Instr::Reraise);
            self.patch(end);
        }
        Ok(())
    }

    /// `async with m1 as t1, m2: body`, as `async with m1 as t1:` around
    /// `async with m2: body`. Each manager stays on the stack below its
    /// body's block: left without an exception, `await m.__aexit__(None,
    /// None, None)`; with one, `await m.__aexit__(type(e), e, tb)`, the
    /// exception re-raised unless that is true.
    fn async_with(&mut self, items: &[ast::WithItem], body: &[Stmt]) -> CResult {
        let Some((first, rest)) = items.split_first() else { return self.block(body) };
        self.expr(&first.context_expr)?;
        self.emit(Instr::Dup);
        self.emit(Instr::AsyncEnter);
        self.emit(Instr::Await);
        match &first.optional_vars {
            Some(t) => self.store_target(t)?,
            None => {
                self.emit(Instr::Pop);
            }
        }
        let setup = self.emit(Instr::SetupExcept(0));
        self.b().unwind.push(Unwind::AsyncWith);
        self.async_with(rest, body)?;
        self.b().unwind.pop();
        self.emit(Instr::PopBlock);
        self.async_exit_clean();
        let end = self.emit(Instr::Jump(0));
        self.patch(setup);
        // The stack: the manager, the exception.
        self.emit(Instr::Dup);
        self.emit(Instr::Rot3);
        self.emit(Instr::AsyncExit);
        self.emit(Instr::Await);
        let suppress = self.emit(Instr::JumpIfTrue(0));
        self.emit(Instr::Reraise);
        self.patch(suppress);
        self.emit(Instr::Pop);
        self.emit(Instr::PopExcept);
        self.patch(end);
        Ok(())
    }

    /// The manager on top of the stack left without an exception.
    fn async_exit_clean(&mut self) {
        self.emit(Instr::LoadNone);
        self.emit(Instr::AsyncExit);
        self.emit(Instr::Await);
        self.emit(Instr::Pop);
    }

    fn import_from(&mut self, module: &SmolStr, names: &[ast::Alias]) -> CResult {
        let k = self.konst(Value::str(module.as_str()));
        self.emit(Instr::Import(k));
        if names.is_empty() {
            return Err(self.err(format!(
                "`from {module} import *` is not supported; import the names you need"
            )));
        }
        for a in names {
            self.emit(Instr::Dup);
            let n = self.name_idx(&a.name);
            self.emit(Instr::LoadAttr(n));
            self.store_name(a.asname.as_ref().unwrap_or(&a.name));
        }
        self.emit(Instr::Pop);
        Ok(())
    }

    /// `del a, b[i], ...`.
    fn delete(&mut self, targets: &[Expr]) -> CResult {
        for t in targets {
            match &t.kind {
                ExprKind::Name(n) => match self.resolve(n) {
                    Scope::Local(i) => {
                        self.emit(Instr::DeleteFast(i));
                    }
                    Scope::Cell(_) => {
                        return Err(self.err("cannot delete a captured variable"));
                    }
                    Scope::Global => {
                        let g = self.globals.slot(n);
                        self.emit(Instr::DeleteGlobal(g));
                    }
                },
                ExprKind::Subscript { value, index } => {
                    self.expr(value)?;
                    self.subscript_index(index)?;
                    self.emit(Instr::DeleteSubscr);
                }
                _ => return Err(self.err("cannot delete this expression")),
            }
        }
        Ok(())
    }

    fn try_except(
        &mut self,
        body: &[Stmt],
        handlers: &[ast::ExceptHandler],
        orelse: &[Stmt],
    ) -> CResult {
        let setup = self.emit(Instr::SetupExcept(0));
        self.b().unwind.push(Unwind::TryBlock);
        self.block(body)?;
        self.b().unwind.pop();
        self.emit(Instr::PopBlock);
        self.block(orelse)?;
        let mut ends = vec![self.emit(Instr::Jump(0))];
        self.patch(setup);
        for h in handlers {
            self.set_line(h.span);
            let mut next = None;
            if let Some(t) = &h.typ {
                self.emit(Instr::Dup);
                self.expr(t)?;
                self.emit(Instr::ExcMatch);
                next = Some(self.emit(Instr::JumpIfFalse(0)));
            }
            match &h.name {
                Some(n) => self.store_name(n),
                None => {
                    self.emit(Instr::Pop);
                }
            }
            self.b().unwind.push(Unwind::Except);
            self.block(&h.body)?;
            self.b().unwind.pop();
            self.emit(Instr::PopExcept);
            if let Some(n) = &h.name {
                // Python unbinds the name at the end of the handler.
                self.emit(Instr::LoadNone);
                self.store_name(n);
                match self.resolve(n) {
                    Scope::Local(i) => {
                        self.emit(Instr::DeleteFast(i));
                    }
                    Scope::Global => {
                        let g = self.globals.slot(n);
                        self.emit(Instr::DeleteGlobal(g));
                    }
                    Scope::Cell(_) => {}
                }
            }
            ends.push(self.emit(Instr::Jump(0)));
            if let Some(n) = next {
                self.patch(n);
            }
        }
        self.emit(Instr::Reraise);
        for e in ends {
            self.patch(e);
        }
        Ok(())
    }

    pub(super) fn store_target(&mut self, t: &Expr) -> CResult {
        match &t.kind {
            ExprKind::Name(n) => self.store_name(n),
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.subscript_index(index)?;
                self.emit(Instr::StoreSubscrAssign);
            }
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.emit(Instr::StoreAttr(n));
            }
            ExprKind::Tuple(xs) | ExprKind::List(xs) => {
                let star = xs.iter().position(|x| matches!(x.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        self.emit(Instr::Unpack(xs.len() as u32));
                    }
                    Some(i) => {
                        self.emit(Instr::UnpackEx(i as u32, (xs.len() - i - 1) as u32));
                    }
                }
                for x in xs {
                    match &x.kind {
                        ExprKind::Starred(inner) => self.store_target(inner)?,
                        _ => self.store_target(x)?,
                    }
                }
            }
            ExprKind::Starred(_) => {
                return Err(self.err("starred assignment target must be in a list or tuple"));
            }
            _ => return Err(self.err("cannot assign to expression")),
        }
        Ok(())
    }

    pub(super) fn subscript_index(&mut self, index: &Expr) -> CResult {
        self.expr(index)
    }
}
