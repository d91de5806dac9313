//! The compiler: AST to a compact stack bytecode, with scope analysis
//! (fast locals, cells for closures, session-wide global slots).
//!
//! The AST's depth is bounded by the parser, so recursing over it here is
//! safe; the *runtime* never recurses per Python call.

use std::collections::HashSet;
use std::rc::Rc;

use indexmap::IndexMap;
use rlm_syntax::ast::{self, BinOp, CmpOp, Constant, Expr, ExprKind, Stmt, StmtKind, UnaryOp};
use smol_str::SmolStr;

use crate::value::{ExcKind, Ty, Value};

/// One instruction. Operands index the code object's tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    LoadConst(u32),
    LoadNone,
    LoadFast(u32),
    StoreFast(u32),
    DeleteFast(u32),
    LoadCell(u32),
    StoreCell(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    DeleteGlobal(u32),
    LoadAttr(u32),
    StoreAttr(u32),
    Subscr,
    /// `[obj, idx, value]`.
    StoreSubscr,
    /// `[value, obj, idx]`.
    StoreSubscrAssign,
    DeleteSubscr,
    BuildSlice,
    Binary(BinOp),
    Inplace(BinOp),
    Unary(UnaryOp),
    Compare(CmpOp),
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    JumpIfFalseOrPop(u32),
    JumpIfTrueOrPop(u32),
    Pop,
    Dup,
    Dup2,
    Rot2,
    Rot3,
    BuildList(u32),
    BuildTuple(u32),
    BuildSet(u32),
    BuildDict(u32),
    ListAppend(u32),
    SetAdd(u32),
    DictSet(u32),
    ListExtend,
    SetUpdate,
    DictUpdate,
    ListToTuple,
    Unpack(u32),
    UnpackEx(u32, u32),
    GetIter,
    ForIter(u32),
    Call(u32),
    /// `argc` positional then the keyword values named by const `names`.
    CallKw(u32, u32),
    /// `[func, args_list, kwargs_dict]`.
    CallEx,
    CallMethod(u32, u32),
    MakeFunction(u32, u32, u32),
    Return,
    SetupExcept(u32),
    PopBlock,
    PopExcept,
    Raise(u32),
    Reraise,
    ExcMatch,
    FormatValue(u32, bool),
    BuildString(u32),
    Await,
    Import(u32),
}

/// A compiled function, lambda, comprehension or module body.
pub struct Code {
    pub name: SmolStr,
    pub ops: Vec<Op>,
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    pub names: Vec<SmolStr>,
    pub local_names: Vec<SmolStr>,
    pub argcount: usize,
    pub kwonly: usize,
    pub has_varargs: bool,
    pub has_varkw: bool,
    pub ncells: usize,
    pub free_from: Vec<u32>,
    /// Parameters that closures capture: copied from their slot into a cell at entry.
    pub param_cells: Vec<(u32, u32)>,
    pub is_async: bool,
    pub is_module: bool,
}

/// Session-wide global slots: compiled code addresses globals by index, so a
/// function defined in one cell keeps working in the next.
#[derive(Default)]
pub struct GlobalNames {
    pub names: IndexMap<SmolStr, usize>,
}

impl GlobalNames {
    pub fn slot(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.names.get(name) {
            return i as u32;
        }
        let i = self.names.len();
        self.names.insert(SmolStr::new(name), i);
        i as u32
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    pub message: String,
    pub line: u32,
}

enum Scope {
    Local(u32),
    Cell(u32),
    Global,
}

struct FnScope {
    locals: IndexMap<SmolStr, u32>,
    cells: IndexMap<SmolStr, u32>,
    is_module: bool,
}

enum Unwind {
    Loop { continue_to: u32, breaks: Vec<usize>, is_for: bool },
    TryBlock,
    Finally(Vec<Stmt>),
    Except,
    ExcOnStack,
}

struct CodeBuilder {
    code: Code,
    unwind: Vec<Unwind>,
}

pub struct Compiler<'a> {
    globals: &'a mut GlobalNames,
    line_starts: Vec<usize>,
    scopes: Vec<FnScope>,
    builders: Vec<CodeBuilder>,
    cur_line: u32,
}

type CResult<T = ()> = Result<T, CompileError>;

/// Compile one cell.
pub fn compile_module(
    module: &ast::Module,
    source: &str,
    globals: &mut GlobalNames,
) -> Result<Rc<Code>, CompileError> {
    let mut line_starts = vec![0];
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            line_starts.push(i + 1);
        }
    }
    let mut c =
        Compiler { globals, line_starts, scopes: Vec::new(), builders: Vec::new(), cur_line: 1 };
    c.scopes.push(FnScope { locals: IndexMap::new(), cells: IndexMap::new(), is_module: true });
    c.builders.push(CodeBuilder { code: new_code("<module>"), unwind: Vec::new() });
    c.builders[0].code.is_module = true;
    c.block(&module.body)?;
    c.emit(Op::LoadNone);
    c.emit(Op::Return);
    let b = c.builders.pop().ok_or_else(|| CompileError { message: "internal".into(), line: 0 })?;
    Ok(Rc::new(b.code))
}

fn new_code(name: &str) -> Code {
    Code {
        name: SmolStr::new(name),
        ops: Vec::new(),
        lines: Vec::new(),
        consts: Vec::new(),
        names: Vec::new(),
        local_names: Vec::new(),
        argcount: 0,
        kwonly: 0,
        has_varargs: false,
        has_varkw: false,
        ncells: 0,
        free_from: Vec::new(),
        param_cells: Vec::new(),
        is_async: false,
        is_module: false,
    }
}

// ---------------------------------------------------------------- scope scan

fn target_names(e: &Expr, out: &mut Vec<SmolStr>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Tuple(xs) | ExprKind::List(xs) => xs.iter().for_each(|x| target_names(x, out)),
        ExprKind::Starred(x) => target_names(x, out),
        _ => {}
    }
}

/// Names bound in a body, not descending into nested scopes.
fn assigned_names(body: &[Stmt], out: &mut Vec<SmolStr>) {
    for s in body {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                targets.iter().for_each(|t| target_names(t, out));
                walrus_names(value, out);
            }
            StmtKind::AugAssign { target, value, .. } => {
                target_names(target, out);
                walrus_names(value, out);
            }
            StmtKind::AnnAssign { target, .. } => target_names(target, out),
            StmtKind::For { target, body, orelse, iter } => {
                target_names(target, out);
                walrus_names(iter, out);
                assigned_names(body, out);
                assigned_names(orelse, out);
            }
            StmtKind::If { body, orelse, test } | StmtKind::While { body, orelse, test } => {
                walrus_names(test, out);
                assigned_names(body, out);
                assigned_names(orelse, out);
            }
            StmtKind::FunctionDef(f) => out.push(f.name.clone()),
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                assigned_names(body, out);
                for h in handlers {
                    if let Some(n) = &h.name {
                        out.push(n.clone());
                    }
                    assigned_names(&h.body, out);
                }
                assigned_names(orelse, out);
                assigned_names(finalbody, out);
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let n = a.asname.clone().unwrap_or_else(|| {
                        SmolStr::new(a.name.split('.').next().unwrap_or(&a.name))
                    });
                    out.push(n);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    out.push(a.asname.clone().unwrap_or_else(|| a.name.clone()));
                }
            }
            StmtKind::Delete(ts) => ts.iter().for_each(|t| target_names(t, out)),
            StmtKind::Expr(e) => walrus_names(e, out),
            StmtKind::Return(Some(e)) => walrus_names(e, out),
            _ => {}
        }
    }
}

fn walrus_names(e: &Expr, out: &mut Vec<SmolStr>) {
    visit_expr(e, &mut |x| {
        if let ExprKind::NamedExpr { target, .. } = &x.kind {
            out.push(target.clone());
        }
    });
}

/// Visit an expression tree, not descending into lambdas' bodies but
/// descending into comprehensions (walrus targets bind outside them).
fn visit_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Lambda { .. } => {}
        _ => for_each_child(e, &mut |c| visit_expr(c, f)),
    }
}

fn for_each_child(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Constant(_) => {}
        ExprKind::FString(parts) => fparts_children(parts, f),
        ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => xs.iter().for_each(f),
        ExprKind::Dict(items) => {
            for (k, v) in items {
                if let Some(k) = k {
                    f(k);
                }
                f(v);
            }
        }
        ExprKind::Starred(x) | ExprKind::Await(x) => f(x),
        ExprKind::BinOp { left, right, .. } => {
            f(left);
            f(right);
        }
        ExprKind::UnaryOp { operand, .. } => f(operand),
        ExprKind::BoolOp { values, .. } => values.iter().for_each(f),
        ExprKind::Compare { left, comparators, .. } => {
            f(left);
            comparators.iter().for_each(f);
        }
        ExprKind::IfExp { test, body, orelse } => {
            f(test);
            f(body);
            f(orelse);
        }
        ExprKind::Lambda { params, body } => {
            params_defaults(params, f);
            f(body);
        }
        ExprKind::Call { func, args, keywords } => {
            f(func);
            args.iter().for_each(&mut *f);
            keywords.iter().for_each(|k| f(&k.value));
        }
        ExprKind::Attribute { value, .. } => f(value),
        ExprKind::Subscript { value, index } => {
            f(value);
            f(index);
        }
        ExprKind::Slice { lower, upper, step } => {
            for x in [lower, upper, step].into_iter().flatten() {
                f(x);
            }
        }
        ExprKind::ListComp { elt, generators }
        | ExprKind::SetComp { elt, generators }
        | ExprKind::GeneratorExp { elt, generators } => {
            f(elt);
            comp_children(generators, f);
        }
        ExprKind::DictComp { key, value, generators } => {
            f(key);
            f(value);
            comp_children(generators, f);
        }
        ExprKind::NamedExpr { value, .. } => f(value),
    }
}

fn params_defaults(p: &ast::Params, f: &mut dyn FnMut(&Expr)) {
    for a in p.args.iter().chain(p.kwonly.iter()) {
        if let Some(d) = &a.default {
            f(d);
        }
    }
}

fn comp_children(gens: &[ast::Comprehension], f: &mut dyn FnMut(&Expr)) {
    for g in gens {
        f(&g.target);
        f(&g.iter);
        g.ifs.iter().for_each(&mut *f);
    }
}

fn fparts_children(parts: &[ast::FPart], f: &mut dyn FnMut(&Expr)) {
    for p in parts {
        if let ast::FPart::Field(fl) = p {
            f(&fl.value);
            if let Some(spec) = &fl.format_spec {
                fparts_children(spec, f);
            }
        }
    }
}

/// Every name read or written anywhere below (including nested scopes): a
/// superset of the free variables of nested scopes, enough to pick cells.
fn all_names_in_stmts(body: &[Stmt], out: &mut HashSet<SmolStr>) {
    for s in body {
        all_names_in_stmt(s, out);
    }
}

fn all_names_in_expr(e: &Expr, out: &mut HashSet<SmolStr>) {
    if let ExprKind::Name(n) = &e.kind {
        out.insert(n.clone());
    }
    if let ExprKind::NamedExpr { target, .. } = &e.kind {
        out.insert(target.clone());
    }
    for_each_child(e, &mut |c| all_names_in_expr(c, out));
}

fn all_names_in_stmt(s: &Stmt, out: &mut HashSet<SmolStr>) {
    let ex = |e: &Expr, out: &mut HashSet<SmolStr>| all_names_in_expr(e, out);
    match &s.kind {
        StmtKind::Expr(e) => ex(e, out),
        StmtKind::Assign { targets, value } => {
            targets.iter().for_each(|t| ex(t, out));
            ex(value, out);
        }
        StmtKind::AugAssign { target, value, .. } => {
            ex(target, out);
            ex(value, out);
        }
        StmtKind::AnnAssign { target, value, .. } => {
            ex(target, out);
            if let Some(v) = value {
                ex(v, out);
            }
        }
        StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
            ex(test, out);
            all_names_in_stmts(body, out);
            all_names_in_stmts(orelse, out);
        }
        StmtKind::For { target, iter, body, orelse } => {
            ex(target, out);
            ex(iter, out);
            all_names_in_stmts(body, out);
            all_names_in_stmts(orelse, out);
        }
        StmtKind::FunctionDef(f) => {
            out.insert(f.name.clone());
            params_defaults(&f.params, &mut |d| all_names_in_expr(d, out));
            all_names_in_stmts(&f.body, out);
        }
        StmtKind::Return(Some(e)) => ex(e, out),
        StmtKind::Try { body, handlers, orelse, finalbody } => {
            all_names_in_stmts(body, out);
            for h in handlers {
                if let Some(t) = &h.typ {
                    ex(t, out);
                }
                all_names_in_stmts(&h.body, out);
            }
            all_names_in_stmts(orelse, out);
            all_names_in_stmts(finalbody, out);
        }
        StmtKind::Raise { exc, cause } => {
            for e in [exc, cause].into_iter().flatten() {
                ex(e, out);
            }
        }
        StmtKind::Assert { test, msg } => {
            ex(test, out);
            if let Some(m) = msg {
                ex(m, out);
            }
        }
        StmtKind::Delete(ts) => ts.iter().for_each(|t| ex(t, out)),
        _ => {}
    }
}

/// Names used inside nested scopes of a body (defs, lambdas, comprehensions).
fn nested_scope_names(body: &[Stmt]) -> HashSet<SmolStr> {
    let mut out = HashSet::new();
    fn in_expr(e: &Expr, out: &mut HashSet<SmolStr>) {
        match &e.kind {
            ExprKind::Lambda { params, body } => {
                params_defaults(params, &mut |d| in_expr(d, out));
                all_names_in_expr(body, out);
            }
            ExprKind::ListComp { .. }
            | ExprKind::SetComp { .. }
            | ExprKind::DictComp { .. }
            | ExprKind::GeneratorExp { .. } => all_names_in_expr(e, out),
            _ => for_each_child(e, &mut |c| in_expr(c, out)),
        }
    }
    fn in_stmts(body: &[Stmt], out: &mut HashSet<SmolStr>) {
        for s in body {
            match &s.kind {
                StmtKind::FunctionDef(f) => {
                    params_defaults(&f.params, &mut |d| in_expr(d, out));
                    all_names_in_stmts(&f.body, out);
                }
                _ => {
                    let mut tmp = Vec::new();
                    stmt_exprs(s, &mut tmp);
                    for e in tmp {
                        in_expr(e, out);
                    }
                    stmt_bodies(s, &mut |b| in_stmts(b, out));
                }
            }
        }
    }
    in_stmts(body, &mut out);
    out
}

fn stmt_exprs<'a>(s: &'a Stmt, out: &mut Vec<&'a Expr>) {
    match &s.kind {
        StmtKind::Expr(e) => out.push(e),
        StmtKind::Assign { targets, value } => {
            out.extend(targets.iter());
            out.push(value);
        }
        StmtKind::AugAssign { target, value, .. } => {
            out.push(target);
            out.push(value);
        }
        StmtKind::AnnAssign { target, value, .. } => {
            out.push(target);
            if let Some(v) = value {
                out.push(v);
            }
        }
        StmtKind::If { test, .. } | StmtKind::While { test, .. } => out.push(test),
        StmtKind::For { target, iter, .. } => {
            out.push(target);
            out.push(iter);
        }
        StmtKind::Return(Some(e)) => out.push(e),
        StmtKind::Try { handlers, .. } => {
            for h in handlers {
                if let Some(t) = &h.typ {
                    out.push(t);
                }
            }
        }
        StmtKind::Raise { exc, cause } => out.extend([exc, cause].into_iter().flatten()),
        StmtKind::Assert { test, msg } => {
            out.push(test);
            out.extend(msg.iter());
        }
        StmtKind::Delete(ts) => out.extend(ts.iter()),
        _ => {}
    }
}

fn stmt_bodies(s: &Stmt, f: &mut dyn FnMut(&[Stmt])) {
    match &s.kind {
        StmtKind::If { body, orelse, .. }
        | StmtKind::While { body, orelse, .. }
        | StmtKind::For { body, orelse, .. } => {
            f(body);
            f(orelse);
        }
        StmtKind::Try { body, handlers, orelse, finalbody } => {
            f(body);
            for h in handlers {
                f(&h.body);
            }
            f(orelse);
            f(finalbody);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- compiler

impl<'a> Compiler<'a> {
    fn b(&mut self) -> &mut CodeBuilder {
        let n = self.builders.len() - 1;
        &mut self.builders[n]
    }

    fn emit(&mut self, op: Op) -> usize {
        let line = self.cur_line;
        let b = self.b();
        b.code.ops.push(op);
        b.code.lines.push(line);
        b.code.ops.len() - 1
    }

    fn here(&mut self) -> u32 {
        self.b().code.ops.len() as u32
    }

    fn patch(&mut self, at: usize) {
        let target = self.here();
        let op = &mut self.b().code.ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
            Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(target),
            Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(target),
            Op::ForIter(_) => Op::ForIter(target),
            Op::SetupExcept(_) => Op::SetupExcept(target),
            other => other,
        };
    }

    fn set_line(&mut self, span: rlm_syntax::Span) {
        let off = span.start as usize;
        let line = match self.line_starts.binary_search(&off) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.cur_line = line as u32;
    }

    fn err(&self, msg: impl Into<String>) -> CompileError {
        CompileError { message: msg.into(), line: self.cur_line }
    }

    fn konst(&mut self, v: Value) -> u32 {
        let consts = &mut self.b().code.consts;
        if let Value::Str(s) = &v {
            // Deduplicate short string constants (attribute and keyword names).
            if s.byte_len() < 64 {
                for (i, c) in consts.iter().enumerate() {
                    if let Value::Str(t) = c {
                        if t.as_str() == s.as_str() {
                            return i as u32;
                        }
                    }
                }
            }
        }
        consts.push(v);
        (consts.len() - 1) as u32
    }

    fn name_idx(&mut self, n: &str) -> u32 {
        let names = &mut self.b().code.names;
        if let Some(i) = names.iter().position(|x| x == n) {
            return i as u32;
        }
        names.push(SmolStr::new(n));
        (names.len() - 1) as u32
    }

    fn resolve(&mut self, name: &SmolStr) -> Scope {
        let depth = self.scopes.len() - 1;
        let cur = &self.scopes[depth];
        if cur.is_module {
            return Scope::Global;
        }
        if let Some(&c) = cur.cells.get(name) {
            return Scope::Cell(c);
        }
        if let Some(&l) = cur.locals.get(name) {
            return Scope::Local(l);
        }
        // A free variable: find the nearest enclosing function scope that binds it.
        let mut found = None;
        for d in (0..depth).rev() {
            let s = &self.scopes[d];
            if s.is_module {
                break;
            }
            if s.cells.contains_key(name) {
                found = Some(d);
                break;
            }
        }
        let Some(d) = found else { return Scope::Global };
        // Thread the cell through every scope between d and the current one.
        let mut outer_cell = self.scopes[d].cells[name];
        for k in d + 1..=depth {
            if let Some(&c) = self.scopes[k].cells.get(name) {
                outer_cell = c;
                continue;
            }
            let idx = self.scopes[k].cells.len() as u32;
            self.scopes[k].cells.insert(name.clone(), idx);
            self.builders[k].code.free_from.push(outer_cell);
            outer_cell = idx;
        }
        Scope::Cell(outer_cell)
    }

    fn load_name(&mut self, name: &SmolStr) {
        match self.resolve(name) {
            Scope::Local(i) => self.emit(Op::LoadFast(i)),
            Scope::Cell(i) => self.emit(Op::LoadCell(i)),
            Scope::Global => {
                let g = self.globals.slot(name);
                self.emit(Op::LoadGlobal(g))
            }
        };
    }

    fn store_name(&mut self, name: &SmolStr) {
        match self.resolve(name) {
            Scope::Local(i) => self.emit(Op::StoreFast(i)),
            Scope::Cell(i) => self.emit(Op::StoreCell(i)),
            Scope::Global => {
                let g = self.globals.slot(name);
                self.emit(Op::StoreGlobal(g))
            }
        };
    }

    /// What `while` and `for` share after their head: the body as a loop
    /// (the target of `break`/`continue`), the jump back to `top`, the exit
    /// (`exit` is the head's jump out), the `else` block, and the breaks.
    fn loop_rest(
        &mut self,
        top: u32,
        exit: usize,
        is_for: bool,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> CResult {
        self.b().unwind.push(Unwind::Loop { continue_to: top, breaks: Vec::new(), is_for });
        self.block(body)?;
        self.emit(Op::Jump(top));
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

    fn block(&mut self, body: &[Stmt]) -> CResult {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> CResult {
        self.set_line(s.span);
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::Pop);
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => match &target.kind {
                ExprKind::Name(n) => {
                    self.load_name(n);
                    self.expr(value)?;
                    self.emit(Op::Inplace(*op));
                    self.store_name(n);
                }
                ExprKind::Subscript { value: obj, index } => {
                    self.expr(obj)?;
                    self.subscript_index(index)?;
                    self.emit(Op::Dup2);
                    self.emit(Op::Subscr);
                    self.expr(value)?;
                    self.emit(Op::Inplace(*op));
                    self.emit(Op::StoreSubscr);
                }
                ExprKind::Attribute { value: obj, attr } => {
                    self.expr(obj)?;
                    let n = self.name_idx(attr);
                    self.emit(Op::StoreAttr(n));
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
                let j = self.emit(Op::JumpIfFalse(0));
                self.block(body)?;
                if orelse.is_empty() {
                    self.patch(j);
                } else {
                    let end = self.emit(Op::Jump(0));
                    self.patch(j);
                    self.block(orelse)?;
                    self.patch(end);
                }
            }
            StmtKind::While { test, body, orelse } => {
                let top = self.here();
                self.expr(test)?;
                let exit = self.emit(Op::JumpIfFalse(0));
                self.loop_rest(top, exit, false, body, orelse)?;
            }
            StmtKind::For { target, iter, body, orelse } => {
                self.expr(iter)?;
                self.emit(Op::GetIter);
                let top = self.here();
                let fi = self.emit(Op::ForIter(0));
                self.store_target(target)?;
                self.loop_rest(top, fi, true, body, orelse)?;
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(s.kind, StmtKind::Break);
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
                                    self.emit(Op::Pop);
                                }
                                let j = self.emit(Op::Jump(0));
                                if let Unwind::Loop { breaks, .. } = &mut self.b().unwind[i] {
                                    breaks.push(j);
                                }
                            } else {
                                self.emit(Op::Jump(ct));
                            }
                            break;
                        }
                        Unwind::TryBlock => {
                            self.emit(Op::PopBlock);
                        }
                        Unwind::Except => {
                            self.emit(Op::PopExcept);
                        }
                        Unwind::ExcOnStack => {
                            self.emit(Op::PopExcept);
                            self.emit(Op::Pop);
                        }
                        Unwind::Finally(fb) => {
                            let fb = fb.clone();
                            self.emit(Op::PopBlock);
                            // The finally body runs outside the protected region.
                            let saved: Vec<Unwind> = self.b().unwind.drain(i..).collect();
                            self.block(&fb)?;
                            self.b().unwind.extend(saved);
                        }
                    }
                }
            }
            StmtKind::Return(value) => {
                if self.scopes.last().is_some_and(|s| s.is_module) {
                    return Err(self.err("'return' outside function"));
                }
                match value {
                    Some(v) => self.expr(v)?,
                    None => {
                        self.emit(Op::LoadNone);
                    }
                }
                let mut i = self.b().unwind.len();
                while i > 0 {
                    i -= 1;
                    match &self.b().unwind[i] {
                        Unwind::Finally(fb) => {
                            let fb = fb.clone();
                            self.emit(Op::PopBlock);
                            let saved: Vec<Unwind> = self.b().unwind.drain(i..).collect();
                            self.block(&fb)?;
                            self.b().unwind.extend(saved);
                        }
                        Unwind::TryBlock => {
                            self.emit(Op::PopBlock);
                        }
                        Unwind::Except | Unwind::ExcOnStack => {
                            self.emit(Op::PopExcept);
                        }
                        Unwind::Loop { .. } => {}
                    }
                }
                self.emit(Op::Return);
            }
            StmtKind::Pass => {}
            StmtKind::FunctionDef(f) => {
                self.function(&f.name, &f.params, FnBody::Stmts(&f.body), f.is_async)?;
                self.store_name(&f.name);
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)?;
                } else {
                    let setup = self.emit(Op::SetupExcept(0));
                    self.b().unwind.push(Unwind::Finally(finalbody.clone()));
                    if handlers.is_empty() {
                        self.block(body)?;
                        self.block(orelse)?;
                    } else {
                        self.try_except(body, handlers, orelse)?;
                    }
                    self.b().unwind.pop();
                    self.emit(Op::PopBlock);
                    self.block(finalbody)?;
                    let end = self.emit(Op::Jump(0));
                    self.patch(setup);
                    self.b().unwind.push(Unwind::ExcOnStack);
                    self.block(finalbody)?;
                    self.b().unwind.pop();
                    self.emit(Op::Reraise);
                    self.patch(end);
                }
            }
            StmtKind::Raise { exc, cause } => match exc {
                None => {
                    self.emit(Op::Raise(0));
                }
                Some(e) => {
                    self.expr(e)?;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        self.emit(Op::Pop);
                    }
                    self.emit(Op::Raise(1));
                }
            },
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                let j = self.emit(Op::JumpIfTrue(0));
                let k = self.konst(Value::Type(Ty::Exc(ExcKind::AssertionError)));
                self.emit(Op::LoadConst(k));
                match msg {
                    Some(m) => {
                        self.expr(m)?;
                        self.emit(Op::Call(1));
                    }
                    None => {
                        self.emit(Op::Call(0));
                    }
                }
                self.emit(Op::Raise(1));
                self.patch(j);
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let k = self.konst(Value::str(a.name.as_str()));
                    self.emit(Op::Import(k));
                    let bind = a.asname.clone().unwrap_or_else(|| {
                        SmolStr::new(a.name.split('.').next().unwrap_or(&a.name))
                    });
                    self.store_name(&bind);
                }
            }
            StmtKind::ImportFrom { module, names } => {
                let k = self.konst(Value::str(module.as_str()));
                self.emit(Op::Import(k));
                if names.is_empty() {
                    return Err(self.err(format!(
                        "`from {module} import *` is not supported; import the names you need"
                    )));
                }
                for a in names {
                    self.emit(Op::Dup);
                    let n = self.name_idx(&a.name);
                    self.emit(Op::LoadAttr(n));
                    self.store_name(a.asname.as_ref().unwrap_or(&a.name));
                }
                self.emit(Op::Pop);
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    match &t.kind {
                        ExprKind::Name(n) => match self.resolve(n) {
                            Scope::Local(i) => {
                                self.emit(Op::DeleteFast(i));
                            }
                            Scope::Cell(_) => {
                                return Err(self.err("cannot delete a captured variable"));
                            }
                            Scope::Global => {
                                let g = self.globals.slot(n);
                                self.emit(Op::DeleteGlobal(g));
                            }
                        },
                        ExprKind::Subscript { value, index } => {
                            self.expr(value)?;
                            self.subscript_index(index)?;
                            self.emit(Op::DeleteSubscr);
                        }
                        _ => return Err(self.err("cannot delete this expression")),
                    }
                }
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
        let setup = self.emit(Op::SetupExcept(0));
        self.b().unwind.push(Unwind::TryBlock);
        self.block(body)?;
        self.b().unwind.pop();
        self.emit(Op::PopBlock);
        self.block(orelse)?;
        let mut ends = vec![self.emit(Op::Jump(0))];
        self.patch(setup);
        for h in handlers {
            self.set_line(h.span);
            let mut next = None;
            if let Some(t) = &h.typ {
                self.emit(Op::Dup);
                self.expr(t)?;
                self.emit(Op::ExcMatch);
                next = Some(self.emit(Op::JumpIfFalse(0)));
            }
            match &h.name {
                Some(n) => self.store_name(n),
                None => {
                    self.emit(Op::Pop);
                }
            }
            self.b().unwind.push(Unwind::Except);
            self.block(&h.body)?;
            self.b().unwind.pop();
            self.emit(Op::PopExcept);
            if let Some(n) = &h.name {
                // Python unbinds the name at the end of the handler.
                self.emit(Op::LoadNone);
                self.store_name(n);
                match self.resolve(n) {
                    Scope::Local(i) => {
                        self.emit(Op::DeleteFast(i));
                    }
                    Scope::Global => {
                        let g = self.globals.slot(n);
                        self.emit(Op::DeleteGlobal(g));
                    }
                    Scope::Cell(_) => {}
                }
            }
            ends.push(self.emit(Op::Jump(0)));
            if let Some(n) = next {
                self.patch(n);
            }
        }
        self.emit(Op::Reraise);
        for e in ends {
            self.patch(e);
        }
        Ok(())
    }

    fn store_target(&mut self, t: &Expr) -> CResult {
        match &t.kind {
            ExprKind::Name(n) => self.store_name(n),
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.subscript_index(index)?;
                self.emit(Op::StoreSubscrAssign);
            }
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.emit(Op::StoreAttr(n));
            }
            ExprKind::Tuple(xs) | ExprKind::List(xs) => {
                let star = xs.iter().position(|x| matches!(x.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        self.emit(Op::Unpack(xs.len() as u32));
                    }
                    Some(i) => {
                        self.emit(Op::UnpackEx(i as u32, (xs.len() - i - 1) as u32));
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

    fn subscript_index(&mut self, index: &Expr) -> CResult {
        self.expr(index)
    }

    fn function(
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
                        self.emit(Op::LoadConst(k));
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
                self.emit(Op::LoadNone);
                self.emit(Op::Return);
            }
            FnBody::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::Return);
            }
        }
        self.cur_line = saved_line;
        self.scopes.pop();
        let b = self.builders.pop().ok_or_else(|| self.err("internal: builder stack"))?;
        let code = Rc::new(b.code);
        let ci = self.code_const(code);
        self.emit(Op::MakeFunction(ci, ndefaults, nkw));
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

    fn comprehension(&mut self, kind: CompKind, e: &Expr, gens: &[ast::Comprehension]) -> CResult {
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
            CompKind::List | CompKind::Gen => "<listcomp>",
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
        self.expr(&first.iter)?;
        self.emit(Op::GetIter);
        self.scopes.push(scope);
        self.builders.push(CodeBuilder { code, unwind: Vec::new() });
        match kind {
            CompKind::List | CompKind::Gen => self.emit(Op::BuildList(0)),
            CompKind::Set => self.emit(Op::BuildSet(0)),
            CompKind::Dict => self.emit(Op::BuildDict(0)),
        };
        let mut exits = Vec::new();
        let mut tops = Vec::new();
        for (gi, g) in gens.iter().enumerate() {
            if gi == 0 {
                self.emit(Op::LoadFast(0));
            } else {
                self.expr(&g.iter)?;
                self.emit(Op::GetIter);
            }
            let top = self.here();
            tops.push(top);
            exits.push(self.emit(Op::ForIter(0)));
            self.store_target(&g.target)?;
            for cond in &g.ifs {
                self.expr(cond)?;
                self.emit(Op::JumpIfFalse(top));
            }
        }
        let depth = gens.len() as u32;
        match (&kind, &e.kind) {
            (CompKind::Dict, ExprKind::DictComp { key, value, .. }) => {
                self.expr(key)?;
                self.expr(value)?;
                self.emit(Op::DictSet(depth));
            }
            (CompKind::Set, ExprKind::SetComp { elt, .. }) => {
                self.expr(elt)?;
                self.emit(Op::SetAdd(depth));
            }
            (_, ExprKind::ListComp { elt, .. } | ExprKind::GeneratorExp { elt, .. }) => {
                self.expr(elt)?;
                self.emit(Op::ListAppend(depth));
            }
            _ => return Err(self.err("internal: comprehension kind")),
        }
        for i in (0..gens.len()).rev() {
            self.emit(Op::Jump(tops[i]));
            self.patch(exits[i]);
        }
        self.emit(Op::Return);
        self.scopes.pop();
        let b = self.builders.pop().ok_or_else(|| self.err("internal: builder stack"))?;
        let ci = self.code_const(Rc::new(b.code));
        self.emit(Op::MakeFunction(ci, 0, 0));
        self.emit(Op::Rot2);
        self.emit(Op::Call(1));
        if let CompKind::Gen = kind {
            self.emit(Op::GetIter);
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> CResult {
        match &e.kind {
            ExprKind::Name(n) => self.load_name(n),
            ExprKind::Constant(c) => {
                let v = match c {
                    Constant::None => {
                        self.emit(Op::LoadNone);
                        return Ok(());
                    }
                    Constant::Bool(b) => Value::Bool(*b),
                    Constant::Int(i) => Value::Int(*i),
                    Constant::BigInt(digits) => {
                        return Err(self.err(format!(
                            "integer literal {digits} is too large: integers here are 64-bit (at most 9223372036854775807)"
                        )));
                    }
                    Constant::Float(f) => Value::Float(*f),
                    Constant::Str(s) => Value::str(s.as_str()),
                    Constant::Ellipsis => Value::Ellipsis,
                };
                let k = self.konst(v);
                self.emit(Op::LoadConst(k));
            }
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::List(xs) => self.sequence(xs, SeqKind::List)?,
            ExprKind::Tuple(xs) => self.sequence(xs, SeqKind::Tuple)?,
            ExprKind::Set(xs) => self.sequence(xs, SeqKind::Set)?,
            ExprKind::Dict(items) => {
                if items.iter().any(|(k, _)| k.is_none()) {
                    self.emit(Op::BuildDict(0));
                    for (k, v) in items {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Op::BuildDict(1));
                                self.emit(Op::DictUpdate);
                            }
                            None => {
                                self.expr(v)?;
                                self.emit(Op::DictUpdate);
                            }
                        }
                    }
                } else {
                    for (k, v) in items {
                        if let Some(k) = k {
                            self.expr(k)?;
                        }
                        self.expr(v)?;
                    }
                    self.emit(Op::BuildDict(items.len() as u32));
                }
            }
            ExprKind::Starred(_) => return Err(self.err("can't use starred expression here")),
            ExprKind::BinOp { left, op, right } => {
                self.expr(left)?;
                self.expr(right)?;
                self.emit(Op::Binary(*op));
            }
            ExprKind::UnaryOp { op, operand } => {
                self.expr(operand)?;
                self.emit(Op::Unary(*op));
            }
            ExprKind::BoolOp { op, values } => {
                let mut jumps = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        jumps.push(self.emit(match op {
                            ast::BoolOp::And => Op::JumpIfFalseOrPop(0),
                            ast::BoolOp::Or => Op::JumpIfTrueOrPop(0),
                        }));
                    }
                }
                for j in jumps {
                    self.patch(j);
                }
            }
            ExprKind::Compare { left, ops, comparators } => {
                self.expr(left)?;
                if ops.len() == 1 {
                    self.expr(&comparators[0])?;
                    self.emit(Op::Compare(ops[0]));
                } else {
                    let mut cleanups = Vec::new();
                    for (i, (op, c)) in ops.iter().zip(comparators).enumerate() {
                        self.expr(c)?;
                        if i + 1 < ops.len() {
                            self.emit(Op::Dup);
                            self.emit(Op::Rot3);
                            self.emit(Op::Compare(*op));
                            cleanups.push(self.emit(Op::JumpIfFalseOrPop(0)));
                        } else {
                            self.emit(Op::Compare(*op));
                        }
                    }
                    let end = self.emit(Op::Jump(0));
                    for c in cleanups {
                        self.patch(c);
                    }
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch(end);
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                let j = self.emit(Op::JumpIfFalse(0));
                self.expr(body)?;
                let end = self.emit(Op::Jump(0));
                self.patch(j);
                self.expr(orelse)?;
                self.patch(end);
            }
            ExprKind::Lambda { params, body } => {
                self.function("<lambda>", params, FnBody::Expr(body), false)?;
            }
            ExprKind::Call { func, args, keywords } => self.call(func, args, keywords)?,
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.emit(Op::LoadAttr(n));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.subscript_index(index)?;
                self.emit(Op::Subscr);
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step] {
                    match part {
                        Some(x) => self.expr(x)?,
                        None => {
                            self.emit(Op::LoadNone);
                        }
                    }
                }
                self.emit(Op::BuildSlice);
            }
            ExprKind::ListComp { generators, .. } => {
                self.comprehension(CompKind::List, e, generators)?
            }
            ExprKind::SetComp { generators, .. } => {
                self.comprehension(CompKind::Set, e, generators)?
            }
            ExprKind::DictComp { generators, .. } => {
                self.comprehension(CompKind::Dict, e, generators)?
            }
            ExprKind::GeneratorExp { generators, .. } => {
                self.comprehension(CompKind::Gen, e, generators)?
            }
            ExprKind::Await(x) => {
                self.expr(x)?;
                self.emit(Op::Await);
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value)?;
                self.emit(Op::Dup);
                self.store_name(target);
            }
        }
        Ok(())
    }

    fn fstring(&mut self, parts: &[ast::FPart]) -> CResult {
        let mut n = 0;
        for p in parts {
            match p {
                ast::FPart::Literal(s) => {
                    let k = self.konst(Value::str(s.as_str()));
                    self.emit(Op::LoadConst(k));
                }
                ast::FPart::Field(f) => {
                    if let Some(dt) = &f.debug_text {
                        let k = self.konst(Value::str(dt.as_str()));
                        self.emit(Op::LoadConst(k));
                        n += 1;
                    }
                    self.expr(&f.value)?;
                    let conv = match f.conversion {
                        Some('r') => 1,
                        Some('s') => 2,
                        Some('a') => 3,
                        _ => 0,
                    };
                    let has_spec = f.format_spec.is_some();
                    match f.format_spec.as_deref() {
                        // A constant spec (`:>10`, `.2f`) is loaded as is: no
                        // string is built for it on every evaluation.
                        Some([ast::FPart::Literal(s)]) => {
                            let k = self.konst(Value::str(s.as_str()));
                            self.emit(Op::LoadConst(k));
                        }
                        Some(spec) => self.fstring(spec)?,
                        None => {}
                    }
                    self.emit(Op::FormatValue(conv, has_spec));
                }
            }
            n += 1;
        }
        self.emit(Op::BuildString(n));
        Ok(())
    }

    fn sequence(&mut self, xs: &[Expr], kind: SeqKind) -> CResult {
        if xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
            match kind {
                SeqKind::Set => self.emit(Op::BuildSet(0)),
                _ => self.emit(Op::BuildList(0)),
            };
            for x in xs {
                match &x.kind {
                    ExprKind::Starred(inner) => self.expr(inner)?,
                    _ => {
                        self.expr(x)?;
                        self.emit(Op::BuildTuple(1));
                    }
                }
                match kind {
                    SeqKind::Set => self.emit(Op::SetUpdate),
                    _ => self.emit(Op::ListExtend),
                };
            }
            if let SeqKind::Tuple = kind {
                self.emit(Op::ListToTuple);
            }
        } else {
            for x in xs {
                self.expr(x)?;
            }
            let n = xs.len() as u32;
            self.emit(match kind {
                SeqKind::List => Op::BuildList(n),
                SeqKind::Tuple => Op::BuildTuple(n),
                SeqKind::Set => Op::BuildSet(n),
            });
        }
        Ok(())
    }

    fn call(&mut self, func: &Expr, args: &[Expr], keywords: &[ast::Keyword]) -> CResult {
        let has_star = args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)))
            || keywords.iter().any(|k| k.name.is_none());
        if !has_star && keywords.is_empty() {
            if let ExprKind::Attribute { value, attr } = &func.kind {
                self.expr(value)?;
                for a in args {
                    self.expr(a)?;
                }
                let n = self.name_idx(attr);
                self.emit(Op::CallMethod(n, args.len() as u32));
                return Ok(());
            }
        }
        self.expr(func)?;
        if has_star {
            self.emit(Op::BuildList(0));
            for a in args {
                match &a.kind {
                    ExprKind::Starred(inner) => self.expr(inner)?,
                    _ => {
                        self.expr(a)?;
                        self.emit(Op::BuildTuple(1));
                    }
                }
                self.emit(Op::ListExtend);
            }
            self.emit(Op::BuildDict(0));
            for k in keywords {
                match &k.name {
                    Some(n) => {
                        let c = self.konst(Value::str(n.as_str()));
                        self.emit(Op::LoadConst(c));
                        self.expr(&k.value)?;
                        self.emit(Op::BuildDict(1));
                        self.emit(Op::DictUpdate);
                    }
                    None => {
                        self.expr(&k.value)?;
                        self.emit(Op::DictUpdate);
                    }
                }
            }
            self.emit(Op::CallEx);
        } else {
            for a in args {
                self.expr(a)?;
            }
            if keywords.is_empty() {
                self.emit(Op::Call(args.len() as u32));
            } else {
                let mut names = Vec::new();
                for k in keywords {
                    self.expr(&k.value)?;
                    names.push(Value::str(k.name.as_deref().unwrap_or("")));
                }
                let c = self.konst(Value::tuple(names));
                self.emit(Op::CallKw(args.len() as u32, c));
            }
        }
        Ok(())
    }
}

enum FnBody<'b> {
    Stmts(&'b [Stmt]),
    Expr(&'b Expr),
}

enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

enum SeqKind {
    List,
    Tuple,
    Set,
}
