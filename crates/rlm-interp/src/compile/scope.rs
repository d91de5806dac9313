//! Scope analysis over the AST: the names a body assigns (its locals), the
//! names nested functions use (which become cells), and walks over every
//! child expression and statement body.

use std::collections::HashSet;

use rlm_syntax::ast::{self, Expr, ExprKind, Stmt, StmtKind};
use smol_str::SmolStr;

pub(super) fn target_names(e: &Expr, out: &mut Vec<SmolStr>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Tuple(xs) | ExprKind::List(xs) => xs.iter().for_each(|x| target_names(x, out)),
        ExprKind::Starred(x) => target_names(x, out),
        _ => {}
    }
}

/// Names bound in a body, not descending into nested scopes.
pub(super) fn assigned_names(body: &[Stmt], out: &mut Vec<SmolStr>) {
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
            StmtKind::AsyncWith { items, body } => {
                for it in items {
                    walrus_names(&it.context_expr, out);
                    if let Some(t) = &it.optional_vars {
                        target_names(t, out);
                    }
                }
                assigned_names(body, out);
            }
            StmtKind::Expr(e) => walrus_names(e, out),
            StmtKind::Return(Some(e)) => walrus_names(e, out),
            _ => {}
        }
    }
}

pub(super) fn walrus_names(e: &Expr, out: &mut Vec<SmolStr>) {
    visit_expr(e, &mut |x| {
        if let ExprKind::NamedExpr { target, .. } = &x.kind {
            out.push(target.clone());
        }
    });
}

/// Visit an expression tree, not descending into lambdas' bodies but
/// descending into comprehensions (walrus targets bind outside them).
pub(super) fn visit_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Lambda { .. } => {}
        _ => for_each_child(e, &mut |c| visit_expr(c, f)),
    }
}

pub(super) fn for_each_child(e: &Expr, f: &mut dyn FnMut(&Expr)) {
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

pub(super) fn params_defaults(p: &ast::Params, f: &mut dyn FnMut(&Expr)) {
    for a in p.args.iter().chain(p.kwonly.iter()) {
        if let Some(d) = &a.default {
            f(d);
        }
    }
}

pub(super) fn comp_children(gens: &[ast::Comprehension], f: &mut dyn FnMut(&Expr)) {
    for g in gens {
        f(&g.target);
        f(&g.iter);
        g.ifs.iter().for_each(&mut *f);
    }
}

pub(super) fn fparts_children(parts: &[ast::FPart], f: &mut dyn FnMut(&Expr)) {
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
pub(super) fn all_names_in_stmts(body: &[Stmt], out: &mut HashSet<SmolStr>) {
    for s in body {
        all_names_in_stmt(s, out);
    }
}

pub(super) fn all_names_in_expr(e: &Expr, out: &mut HashSet<SmolStr>) {
    if let ExprKind::Name(n) = &e.kind {
        out.insert(n.clone());
    }
    if let ExprKind::NamedExpr { target, .. } = &e.kind {
        out.insert(target.clone());
    }
    for_each_child(e, &mut |c| all_names_in_expr(c, out));
}

pub(super) fn all_names_in_stmt(s: &Stmt, out: &mut HashSet<SmolStr>) {
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
        StmtKind::AsyncWith { items, body } => {
            for it in items {
                ex(&it.context_expr, out);
                if let Some(t) = &it.optional_vars {
                    ex(t, out);
                }
            }
            all_names_in_stmts(body, out);
        }
        _ => {}
    }
}

/// Names used inside nested scopes of a body (defs, lambdas, comprehensions).
pub(super) fn nested_scope_names(body: &[Stmt]) -> HashSet<SmolStr> {
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
        StmtKind::AsyncWith { items, .. } => {
            for it in items {
                out.push(&it.context_expr);
                out.extend(it.optional_vars.iter());
            }
        }
        _ => {}
    }
}

pub(super) fn stmt_bodies(s: &Stmt, f: &mut dyn FnMut(&[Stmt])) {
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
        StmtKind::AsyncWith { body, .. } => f(body),
        _ => {}
    }
}
