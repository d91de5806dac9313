//! Function bodies: `def`, `async def` and `lambda` (parameters, defaults,
//! keyword-only parameters, closures), and comprehensions, which compile to
//! nested functions called at once.

use std::collections::HashSet;
use std::rc::Rc;

use indexmap::IndexMap;
use rlm_syntax::ast::{self, Expr, ExprKind, Stmt, StmtKind};
use smol_str::SmolStr;

use crate::compile::scope::{
    all_names_in_expr, assigned_names, for_each_child, nested_scope_names, target_names,
    visit_expr, walrus_names,
};
use crate::compile::{
    CResult, Code, CodeBuilder, CompKind, Compiler, FnBody, FnScope, Instr, new_code,
};
use crate::value::Value;

impl Compiler<'_> {
    pub(super) fn function(
        &mut self,
        name: &str,
        params: &ast::Params,
        body: FnBody,
        is_async: bool,
    ) -> CResult {
        // Defaults are evaluated in the defining scope.
        let mut ndefaults = 0;
        for a in &params.args {
            if let Some(d) = &a.default {
                self.expr(d)?;
                ndefaults += 1;
            }
        }
        let mut nkw = 0;
        if params.kwonly.iter().any(|p| p.default.is_some()) {
            for a in &params.kwonly {
                match &a.default {
                    Some(d) => self.expr(d)?,
                    None => {
                        let k = self.konst(Value::Ellipsis);
                        self.emit(Instr::LoadConst(k));
                    }
                }
                nkw += 1;
            }
        }
        // Scope of the new function.
        let mut local_list: Vec<SmolStr> = Vec::new();
        for a in &params.args {
            local_list.push(a.name.clone());
        }
        for a in &params.kwonly {
            local_list.push(a.name.clone());
        }
        if let Some(v) = &params.vararg {
            local_list.push(v.name.clone());
        }
        if let Some(v) = &params.kwarg {
            local_list.push(v.name.clone());
        }
        let nparams = local_list.len();
        let nested = match &body {
            FnBody::Stmts(b) => {
                assigned_names(b, &mut local_list);
                nested_scope_names(b)
            }
            FnBody::Expr(e) => {
                walrus_names(e, &mut local_list);
                let mut s = HashSet::new();
                let wrapped = [Stmt { kind: StmtKind::Return(Some((*e).clone())), span: e.span }];
                s.extend(nested_scope_names(&wrapped));
                s
            }
        };
        let mut scope =
            FnScope { locals: IndexMap::new(), cells: IndexMap::new(), is_module: false };
        let mut code = new_code(name);
        code.is_async = is_async;
        code.argcount = params.args.len();
        code.kwonly = params.kwonly.len();
        code.has_varargs = params.vararg.is_some();
        code.has_varkw = params.kwarg.is_some();
        for (i, n) in local_list.iter().enumerate() {
            if scope.locals.contains_key(n) || scope.cells.contains_key(n) {
                continue;
            }
            if nested.contains(n) {
                let c = scope.cells.len() as u32;
                scope.cells.insert(n.clone(), c);
                if i < nparams {
                    // Parameters still get a slot (binding writes slots), then move to the cell.
                    let l = scope.locals.len() as u32;
                    scope.locals.insert(n.clone(), l);
                    code.local_names.push(n.clone());
                    code.param_cells.push((l, c));
                }
            } else {
                let l = scope.locals.len() as u32;
                scope.locals.insert(n.clone(), l);
                code.local_names.push(n.clone());
            }
        }
        code.ncells = scope.cells.len();
        self.scopes.push(scope);
        self.builders.push(CodeBuilder { code, unwind: Vec::new() });
        let saved_line = self.cur_line;
        match body {
            FnBody::Stmts(b) => {
                self.block(b)?;
                self.emit(Instr::LoadNone);
                self.emit(Instr::Return);
            }
            FnBody::Expr(e) => {
                self.expr(e)?;
                self.emit(Instr::Return);
            }
        }
        self.cur_line = saved_line;
        self.scopes.pop();
        let b = self.builders.pop().ok_or_else(|| self.err("internal: builder stack"))?;
        let code = Rc::new(b.finish());
        let ci = self.code_const(code);
        self.emit(Instr::MakeFunction(ci, ndefaults, nkw));
        Ok(())
    }

    fn code_const(&mut self, code: Rc<Code>) -> u32 {
        self.b().code.consts.push(Value::Func(Rc::new(crate::value::Function {
            code,
            defaults: Vec::new(),
            kwdefaults: Vec::new(),
            closure: Vec::new(),
        })));
        (self.b().code.consts.len() - 1) as u32
    }

    pub(super) fn comprehension(
        &mut self,
        kind: CompKind,
        e: &Expr,
        gens: &[ast::Comprehension],
    ) -> CResult {
        let defer_elements = std::mem::take(&mut self.defer_elements);
        // The first iterable is evaluated in the enclosing scope.
        let first = gens.first().ok_or_else(|| self.err("empty comprehension"))?;
        let mut local_list: Vec<SmolStr> = vec![SmolStr::new(".0")];
        for g in gens {
            target_names(&g.target, &mut local_list);
        }
        // Names used by lambdas/comprehensions nested inside this one.
        let mut nested = HashSet::new();
        {
            let mut visit = |x: &Expr| {
                if x.span != e.span {
                    if let ExprKind::Lambda { .. }
                    | ExprKind::ListComp { .. }
                    | ExprKind::SetComp { .. }
                    | ExprKind::DictComp { .. }
                    | ExprKind::GeneratorExp { .. } = &x.kind
                    {
                        all_names_in_expr(x, &mut nested);
                    }
                }
            };
            for_each_child(e, &mut |c| visit_expr(c, &mut visit));
        }
        let mut scope =
            FnScope { locals: IndexMap::new(), cells: IndexMap::new(), is_module: false };
        let mut code = new_code(match kind {
            CompKind::List => "<listcomp>",
            CompKind::Gen => "<genexpr>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
        });
        code.argcount = 1;
        for (i, n) in local_list.iter().enumerate() {
            if scope.locals.contains_key(n) || scope.cells.contains_key(n) {
                continue;
            }
            if i > 0 && nested.contains(n) {
                let c = scope.cells.len() as u32;
                scope.cells.insert(n.clone(), c);
            } else {
                let l = scope.locals.len() as u32;
                scope.locals.insert(n.clone(), l);
                code.local_names.push(n.clone());
            }
        }
        code.ncells = scope.cells.len();
        self.iterable(&first.iter)?;
        self.emit(Instr::GetIter);
        self.scopes.push(scope);
        self.builders.push(CodeBuilder { code, unwind: Vec::new() });
        // A generator expression builds nothing: it yields each element.
        match kind {
            CompKind::List => self.emit(Instr::BuildList(0)),
            CompKind::Set => self.emit(Instr::BuildSet(0)),
            CompKind::Dict => self.emit(Instr::BuildDict(0)),
            CompKind::Gen => 0,
        };
        let mut exits = Vec::new();
        let mut tops = Vec::new();
        for (gi, g) in gens.iter().enumerate() {
            if gi == 0 {
                self.emit(Instr::LoadFast(0));
            } else {
                self.iterable(&g.iter)?;
                self.emit(Instr::GetIter);
            }
            let top = self.here();
            tops.push(top);
            exits.push(self.emit(Instr::ForIter(0)));
            self.store_target(&g.target)?;
            for cond in &g.ifs {
                self.expr(cond)?;
                self.emit(Instr::JumpIfFalse(top));
            }
        }
        let depth = gens.len() as u32;
        match (&kind, &e.kind) {
            (CompKind::Dict, ExprKind::DictComp { key, value, .. }) => {
                self.expr(key)?;
                self.expr(value)?;
                self.emit(Instr::DictSet(depth));
            }
            (CompKind::Set, ExprKind::SetComp { elt, .. }) => {
                self.expr(elt)?;
                self.emit(Instr::SetAdd(depth));
            }
            (CompKind::Gen, ExprKind::GeneratorExp { elt, .. }) => {
                self.defer_calls = defer_elements;
                self.expr(elt)?;
                self.emit(Instr::Yield);
            }
            (_, ExprKind::ListComp { elt, .. }) => {
                self.defer_calls = defer_elements;
                self.expr(elt)?;
                self.emit(Instr::ListAppend(depth));
            }
            _ => return Err(self.err("internal: comprehension kind")),
        }
        for i in (0..gens.len()).rev() {
            self.emit(Instr::Jump(tops[i]));
            self.patch(exits[i]);
        }
        if let CompKind::Gen = kind {
            self.emit(Instr::LoadNone);
        }
        self.emit(Instr::Return);
        self.scopes.pop();
        let b = self.builders.pop().ok_or_else(|| self.err("internal: builder stack"))?;
        let ci = self.code_const(Rc::new(b.finish()));
        self.emit(Instr::MakeFunction(ci, 0, 0));
        self.emit(Instr::Rot2);
        // A generator expression is lazy, as CPython's: only its first
        // iterable is evaluated now; the body runs item by item as the
        // consumer asks (and never past where it stops: `any`, `next`, `zip`).
        if let CompKind::Gen = kind {
            // Leaves `[generator, None]`, or `[list, None]` when it ran at
            // once (`Vm::make_generator`): either way an iterator remains.
            self.emit(Instr::MakeGenerator);
            self.emit(Instr::Pop);
            self.emit(Instr::GetIter);
        } else {
            self.emit(Instr::Call(1));
        }
        Ok(())
    }
}
