//! Printers: the AST back to Python source (`unparse`), and a compact
//! S-expression dump (`sexpr`) for snapshot tests.
//!
//! `unparse`'s output need not match the original text, only parse back to
//! the same tree (the round-trip property the tests check). Operands of
//! operators are parenthesised only where Python's precedence needs it: a
//! bracket per tree level would double the nesting of a chain such as
//! `- - - x`, and push a program the parser accepted past its nesting limit
//! (found by the `syntax_structured` fuzzer). Other positions (callees,
//! subscripted values, comprehension elements) keep conservative brackets.

use std::fmt::Write;

use crate::ast::*;

/// Python source for a module.
pub fn unparse(m: &Module) -> String {
    let mut out = String::new();
    for s in &m.body {
        stmt(&mut out, s, 0);
    }
    out
}

/// Python source for one expression.
pub fn unparse_expr(e: &Expr) -> String {
    let mut out = String::new();
    expr(&mut out, e);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn block(out: &mut String, body: &[Stmt], level: usize) {
    out.push_str(":\n");
    if body.is_empty() {
        indent(out, level + 1);
        out.push_str("pass\n");
    }
    for s in body {
        stmt(out, s, level + 1);
    }
}

fn stmt(out: &mut String, s: &Stmt, level: usize) {
    indent(out, level);
    match &s.kind {
        StmtKind::Expr(e) => {
            expr_list(out, e);
            out.push('\n');
        }
        StmtKind::Assign { targets, value } => {
            for t in targets {
                expr_list(out, t);
                out.push_str(" = ");
            }
            expr_list(out, value);
            out.push('\n');
        }
        StmtKind::AugAssign { target, op, value } => {
            expr(out, target);
            let _ = write!(out, " {}= ", op.as_str());
            expr_list(out, value);
            out.push('\n');
        }
        StmtKind::AnnAssign { target, annotation, value } => {
            expr(out, target);
            out.push_str(": ");
            expr(out, annotation);
            if let Some(v) = value {
                out.push_str(" = ");
                expr_list(out, v);
            }
            out.push('\n');
        }
        StmtKind::If { test, body, orelse } => {
            out.push_str("if ");
            expr(out, test);
            block(out, body, level);
            if !orelse.is_empty() {
                indent(out, level);
                out.push_str("else");
                block(out, orelse, level);
            }
        }
        StmtKind::While { test, body, orelse } => {
            out.push_str("while ");
            expr(out, test);
            block(out, body, level);
            if !orelse.is_empty() {
                indent(out, level);
                out.push_str("else");
                block(out, orelse, level);
            }
        }
        StmtKind::For { target, iter, body, orelse } => {
            out.push_str("for ");
            expr_list(out, target);
            out.push_str(" in ");
            expr_list(out, iter);
            block(out, body, level);
            if !orelse.is_empty() {
                indent(out, level);
                out.push_str("else");
                block(out, orelse, level);
            }
        }
        StmtKind::FunctionDef(f) => {
            if f.is_async {
                out.push_str("async ");
            }
            let _ = write!(out, "def {}(", f.name);
            params(out, &f.params);
            out.push(')');
            if let Some(r) = &f.returns {
                out.push_str(" -> ");
                expr(out, r);
            }
            block(out, &f.body, level);
        }
        StmtKind::Return(v) => {
            out.push_str("return");
            if let Some(v) = v {
                out.push(' ');
                expr_list(out, v);
            }
            out.push('\n');
        }
        StmtKind::Pass => out.push_str("pass\n"),
        StmtKind::Break => out.push_str("break\n"),
        StmtKind::Continue => out.push_str("continue\n"),
        StmtKind::Try { body, handlers, orelse, finalbody } => {
            out.push_str("try");
            block(out, body, level);
            for h in handlers {
                indent(out, level);
                out.push_str("except");
                if let Some(t) = &h.typ {
                    out.push(' ');
                    expr(out, t);
                    if let Some(n) = &h.name {
                        let _ = write!(out, " as {n}");
                    }
                }
                block(out, &h.body, level);
            }
            if !orelse.is_empty() {
                indent(out, level);
                out.push_str("else");
                block(out, orelse, level);
            }
            if !finalbody.is_empty() {
                indent(out, level);
                out.push_str("finally");
                block(out, finalbody, level);
            }
        }
        StmtKind::AsyncWith { items, body } => {
            out.push_str("async with ");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, &it.context_expr);
                if let Some(t) = &it.optional_vars {
                    out.push_str(" as ");
                    expr(out, t);
                }
            }
            block(out, body, level);
        }
        StmtKind::Raise { exc, cause } => {
            out.push_str("raise");
            if let Some(e) = exc {
                out.push(' ');
                expr(out, e);
            }
            if let Some(c) = cause {
                out.push_str(" from ");
                expr(out, c);
            }
            out.push('\n');
        }
        StmtKind::Assert { test, msg } => {
            out.push_str("assert ");
            expr(out, test);
            if let Some(m) = msg {
                out.push_str(", ");
                expr(out, m);
            }
            out.push('\n');
        }
        StmtKind::Import(names) => {
            out.push_str("import ");
            aliases(out, names);
            out.push('\n');
        }
        StmtKind::ImportFrom { module, names } => {
            let _ = write!(out, "from {module} import ");
            if names.is_empty() {
                out.push('*');
            } else {
                aliases(out, names);
            }
            out.push('\n');
        }
        StmtKind::Delete(targets) => {
            out.push_str("del ");
            for (i, t) in targets.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, t);
            }
            out.push('\n');
        }
    }
}

fn aliases(out: &mut String, names: &[Alias]) {
    for (i, a) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&a.name);
        if let Some(n) = &a.asname {
            let _ = write!(out, " as {n}");
        }
    }
}

fn params(out: &mut String, p: &Params) {
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push_str(", ");
        }
        first = false;
    };
    let one = |out: &mut String, p: &Param| {
        out.push_str(&p.name);
        if let Some(a) = &p.annotation {
            out.push_str(": ");
            expr(out, a);
        }
        if let Some(d) = &p.default {
            out.push('=');
            expr(out, d);
        }
    };
    for a in &p.args {
        sep(out);
        one(out, a);
    }
    if let Some(v) = &p.vararg {
        sep(out);
        out.push('*');
        one(out, v);
    } else if !p.kwonly.is_empty() {
        sep(out);
        out.push('*');
    }
    for a in &p.kwonly {
        sep(out);
        one(out, a);
    }
    if let Some(k) = &p.kwarg {
        sep(out);
        out.push_str("**");
        one(out, k);
    }
}

/// A top-level expression list: tuples print without parentheses.
fn expr_list(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Tuple(items) if !items.is_empty() => {
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, x);
            }
            if items.len() == 1 {
                out.push(',');
            }
        }
        _ => expr(out, e),
    }
}

fn seq(out: &mut String, items: &[Expr]) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        expr(out, x);
    }
}

fn comps(out: &mut String, gens: &[Comprehension]) {
    for g in gens {
        out.push_str(" for ");
        expr_list(out, &g.target);
        out.push_str(" in ");
        atomic(out, &g.iter);
        for c in &g.ifs {
            out.push_str(" if ");
            atomic(out, c);
        }
    }
}

/// An expression in a position where anything but an atom needs parentheses.
/// Python's binding strength of an expression as an operand, weakest first
/// (the grammar's levels, from `lambda` up to primaries and atoms).
mod strength {
    pub const LAMBDA: u8 = 1;
    pub const IF_EXP: u8 = 2;
    pub const OR: u8 = 3;
    pub const AND: u8 = 4;
    pub const NOT: u8 = 5;
    pub const COMPARE: u8 = 6;
    pub const UNARY: u8 = 13;
    pub const POWER: u8 = 14;
    pub const AWAIT: u8 = 15;
    pub const ATOM: u8 = 16;
}

fn binop_strength(op: BinOp) -> u8 {
    match op {
        BinOp::BitOr => 7,
        BinOp::BitXor => 8,
        BinOp::BitAnd => 9,
        BinOp::LShift | BinOp::RShift => 10,
        BinOp::Add | BinOp::Sub => 11,
        BinOp::Mult | BinOp::MatMult | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => 12,
        BinOp::Pow => strength::POWER,
    }
}

/// How strongly `e` binds when printed bare.
fn strength_of(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Lambda { .. } => strength::LAMBDA,
        ExprKind::IfExp { .. } => strength::IF_EXP,
        ExprKind::BoolOp { op: BoolOp::Or, .. } => strength::OR,
        ExprKind::BoolOp { op: BoolOp::And, .. } => strength::AND,
        ExprKind::UnaryOp { op: UnaryOp::Not, .. } => strength::NOT,
        ExprKind::Compare { .. } => strength::COMPARE,
        ExprKind::BinOp { op, .. } => binop_strength(*op),
        ExprKind::UnaryOp { .. } => strength::UNARY,
        ExprKind::Await(_) => strength::AWAIT,
        // A negative number prints as `-1`, which parses back as a unary
        // minus over `1`: bracket it wherever it is an operand.
        ExprKind::Constant(Constant::Int(i)) if *i < 0 => 0,
        ExprKind::Constant(Constant::Float(f)) if f.is_sign_negative() => 0,
        // `(target := value)` prints its own brackets.
        ExprKind::NamedExpr { .. } => strength::ATOM,
        // A starred item or a slice is never an operand: bracket it.
        ExprKind::Starred(_) | ExprKind::Slice { .. } => 0,
        _ if is_atom(e) => strength::ATOM,
        _ => 0,
    }
}

/// An operand that must bind at least as strongly as `min`, bracketed only
/// when it does not.
fn operand(out: &mut String, e: &Expr, min: u8) {
    if strength_of(e) >= min {
        expr(out, e);
    } else {
        out.push('(');
        expr(out, e);
        out.push(')');
    }
}

fn is_atom(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Name(_)
            | ExprKind::Constant(_)
            | ExprKind::FString(_)
            | ExprKind::List(_)
            | ExprKind::Tuple(_)
            | ExprKind::Set(_)
            | ExprKind::Dict(_)
            | ExprKind::Call { .. }
            | ExprKind::Attribute { .. }
            | ExprKind::Subscript { .. }
            | ExprKind::ListComp { .. }
            | ExprKind::SetComp { .. }
            | ExprKind::DictComp { .. }
            | ExprKind::GeneratorExp { .. }
    )
}

fn atomic(out: &mut String, e: &Expr) {
    let simple = is_atom(e);
    // Negative numbers need parentheses before `.attr` and `**`.
    let negative = matches!(e.kind, ExprKind::Constant(Constant::Int(i)) if i < 0)
        || matches!(e.kind, ExprKind::Constant(Constant::Float(f)) if f.is_sign_negative());
    if simple && !negative {
        expr(out, e);
    } else {
        out.push('(');
        expr(out, e);
        out.push(')');
    }
}

fn string_literal(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s, false);
    out.push('"');
}

/// Escape `s` for a double-quoted literal; in an f-string, braces double too.
fn escape_into(out: &mut String, s: &str, fstring: bool) {
    for c in s.chars() {
        match c {
            '{' if fstring => out.push_str("{{"),
            '}' if fstring => out.push_str("}}"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn fparts(out: &mut String, parts: &[FPart]) {
    for p in parts {
        match p {
            FPart::Literal(s) => escape_into(out, s, true),
            FPart::Field(f) => {
                out.push('{');
                match &f.debug_text {
                    Some(t) => out.push_str(t),
                    None => {
                        // Parenthesise so that `:` and `!` inside never read as spec/conversion.
                        out.push('(');
                        expr_list(out, &f.value);
                        out.push(')');
                    }
                }
                let implicit_r =
                    f.debug_text.is_some() && f.format_spec.is_none() && f.conversion == Some('r');
                if let Some(c) = f.conversion.filter(|_| !implicit_r) {
                    let _ = write!(out, "!{c}");
                }
                if let Some(spec) = &f.format_spec {
                    out.push(':');
                    fparts(out, spec);
                }
                out.push('}');
            }
        }
    }
}

fn expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Constant(c) => match c {
            Constant::None => out.push_str("None"),
            Constant::Bool(true) => out.push_str("True"),
            Constant::Bool(false) => out.push_str("False"),
            Constant::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Constant::BigInt(d) => out.push_str(d),
            Constant::Float(f) => {
                if f.is_finite() {
                    let _ = write!(out, "{f:?}");
                } else if f.is_nan() {
                    out.push_str("float('nan')");
                } else if *f > 0.0 {
                    out.push_str("1e999");
                } else {
                    out.push_str("-1e999");
                }
            }
            Constant::Str(s) => string_literal(out, s),
            Constant::Ellipsis => out.push_str("..."),
        },
        ExprKind::FString(parts) => {
            out.push_str("f\"");
            fparts(out, parts);
            out.push('"');
        }
        ExprKind::List(items) => {
            out.push('[');
            seq(out, items);
            out.push(']');
        }
        ExprKind::Tuple(items) => {
            out.push('(');
            seq(out, items);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        ExprKind::Set(items) => {
            out.push('{');
            seq(out, items);
            out.push('}');
        }
        ExprKind::Dict(items) => {
            out.push('{');
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match k {
                    Some(k) => {
                        expr(out, k);
                        out.push_str(": ");
                        expr(out, v);
                    }
                    None => {
                        out.push_str("**");
                        atomic(out, v);
                    }
                }
            }
            out.push('}');
        }
        ExprKind::Starred(x) => {
            out.push('*');
            atomic(out, x);
        }
        ExprKind::BinOp { left, op, right } => {
            let own = binop_strength(*op);
            let (left_min, right_min) = if *op == BinOp::Pow {
                // Right-associative, and `(-x) ** 2` needs its brackets; a
                // unary right operand (`2 ** -x`) is bracketed too, which is
                // always correct.
                (strength::AWAIT, strength::POWER)
            } else {
                // Left-associative: `a - (b - c)` keeps its brackets.
                (own, own + 1)
            };
            operand(out, left, left_min);
            let _ = write!(out, " {} ", op.as_str());
            operand(out, right, right_min);
        }
        ExprKind::UnaryOp { op, operand: x } => {
            out.push_str(op.as_str());
            if *op == UnaryOp::Not {
                out.push(' ');
                operand(out, x, strength::NOT);
            } else {
                operand(out, x, strength::UNARY);
            }
        }
        ExprKind::BoolOp { op, values } => {
            let min = if *op == BoolOp::Or { strength::AND } else { strength::NOT };
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    let _ = write!(out, " {} ", op.as_str());
                }
                operand(out, v, min);
            }
        }
        ExprKind::Compare { left, ops, comparators } => {
            // Operands bind tighter than any comparison: `a < (b < c)` keeps its brackets.
            operand(out, left, strength::COMPARE + 1);
            for (o, c) in ops.iter().zip(comparators) {
                let _ = write!(out, " {} ", o.as_str());
                operand(out, c, strength::COMPARE + 1);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            operand(out, body, strength::OR);
            out.push_str(" if ");
            operand(out, test, strength::OR);
            out.push_str(" else ");
            operand(out, orelse, strength::IF_EXP);
        }
        ExprKind::Lambda { params: p, body } => {
            out.push_str("lambda");
            if !(p.args.is_empty()
                && p.vararg.is_none()
                && p.kwonly.is_empty()
                && p.kwarg.is_none())
            {
                out.push(' ');
                params(out, p);
            }
            out.push_str(": ");
            operand(out, body, strength::LAMBDA);
        }
        ExprKind::Call { func, args, keywords } => {
            atomic(out, func);
            out.push('(');
            let mut first = true;
            for a in args {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                expr(out, a);
            }
            for k in keywords {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                match &k.name {
                    Some(n) => {
                        let _ = write!(out, "{n}=");
                        expr(out, &k.value);
                    }
                    None => {
                        out.push_str("**");
                        atomic(out, &k.value);
                    }
                }
            }
            out.push(')');
        }
        ExprKind::Attribute { value, attr } => {
            // `1.real` would lex as the float `1.` followed by a name.
            if matches!(
                value.kind,
                ExprKind::Constant(Constant::Int(_) | Constant::BigInt(_) | Constant::Float(_))
            ) {
                out.push('(');
                expr(out, value);
                out.push(')');
            } else {
                atomic(out, value);
            }
            let _ = write!(out, ".{attr}");
        }
        ExprKind::Subscript { value, index } => {
            atomic(out, value);
            out.push('[');
            match &index.kind {
                ExprKind::Tuple(items) if !items.is_empty() => {
                    seq(out, items);
                    if items.len() == 1 {
                        out.push(',');
                    }
                }
                _ => expr(out, index),
            }
            out.push(']');
        }
        ExprKind::Slice { lower, upper, step } => {
            if let Some(l) = lower {
                atomic(out, l);
            }
            out.push(':');
            if let Some(u) = upper {
                atomic(out, u);
            }
            if let Some(s) = step {
                out.push(':');
                atomic(out, s);
            }
        }
        ExprKind::ListComp { elt, generators } => {
            out.push('[');
            atomic(out, elt);
            comps(out, generators);
            out.push(']');
        }
        ExprKind::SetComp { elt, generators } => {
            out.push('{');
            atomic(out, elt);
            comps(out, generators);
            out.push('}');
        }
        ExprKind::DictComp { key, value, generators } => {
            out.push('{');
            atomic(out, key);
            out.push_str(": ");
            atomic(out, value);
            comps(out, generators);
            out.push('}');
        }
        ExprKind::GeneratorExp { elt, generators } => {
            out.push('(');
            atomic(out, elt);
            comps(out, generators);
            out.push(')');
        }
        ExprKind::Await(x) => {
            out.push_str("await ");
            atomic(out, x);
        }
        ExprKind::NamedExpr { target, value } => {
            let _ = write!(out, "({target} := ");
            atomic(out, value);
            out.push(')');
        }
    }
}

/// A compact, span-free S-expression dump of a module, one statement per line.
pub fn sexpr(m: &Module) -> String {
    let mut out = String::new();
    for s in &m.body {
        sstmt(&mut out, s, 0);
    }
    out
}

fn sbody(out: &mut String, tag: &str, body: &[Stmt], level: usize) {
    indent(out, level);
    let _ = writeln!(out, "{tag}:");
    for s in body {
        sstmt(out, s, level + 1);
    }
}

fn sstmt(out: &mut String, s: &Stmt, level: usize) {
    indent(out, level);
    match &s.kind {
        StmtKind::If { test, body, orelse } => {
            let _ = writeln!(out, "(if {})", sx(test));
            sbody(out, "then", body, level + 1);
            if !orelse.is_empty() {
                sbody(out, "else", orelse, level + 1);
            }
        }
        StmtKind::While { test, body, orelse } => {
            let _ = writeln!(out, "(while {})", sx(test));
            sbody(out, "do", body, level + 1);
            if !orelse.is_empty() {
                sbody(out, "else", orelse, level + 1);
            }
        }
        StmtKind::For { target, iter, body, orelse } => {
            let _ = writeln!(out, "(for {} {})", sx(target), sx(iter));
            sbody(out, "do", body, level + 1);
            if !orelse.is_empty() {
                sbody(out, "else", orelse, level + 1);
            }
        }
        StmtKind::FunctionDef(f) => {
            let _ = writeln!(
                out,
                "({}def {} ({}))",
                if f.is_async { "async " } else { "" },
                f.name,
                sparams(&f.params)
            );
            sbody(out, "body", &f.body, level + 1);
        }
        StmtKind::Try { body, handlers, orelse, finalbody } => {
            out.push_str("(try)\n");
            sbody(out, "body", body, level + 1);
            for h in handlers {
                let typ = h.typ.as_ref().map_or("*".to_string(), sx);
                let tag = match &h.name {
                    Some(n) => format!("except {typ} as {n}"),
                    None => format!("except {typ}"),
                };
                sbody(out, &tag, &h.body, level + 1);
            }
            if !orelse.is_empty() {
                sbody(out, "else", orelse, level + 1);
            }
            if !finalbody.is_empty() {
                sbody(out, "finally", finalbody, level + 1);
            }
        }
        StmtKind::AsyncWith { items, body } => {
            let heads: Vec<String> = items
                .iter()
                .map(|it| match &it.optional_vars {
                    Some(t) => format!("{} as {}", sx(&it.context_expr), sx(t)),
                    None => sx(&it.context_expr),
                })
                .collect();
            let _ = writeln!(out, "(async with {})", heads.join(", "));
            sbody(out, "body", body, level + 1);
        }
        other => {
            let _ = writeln!(out, "{}", ssimple(other));
        }
    }
}

fn ssimple(k: &StmtKind) -> String {
    match k {
        StmtKind::Expr(e) => format!("(expr {})", sx(e)),
        StmtKind::Assign { targets, value } => {
            format!("(= {} {})", targets.iter().map(sx).collect::<Vec<_>>().join(" "), sx(value))
        }
        StmtKind::AugAssign { target, op, value } => {
            format!("({}= {} {})", op.as_str(), sx(target), sx(value))
        }
        StmtKind::AnnAssign { target, annotation, value } => format!(
            "(annassign {} {}{})",
            sx(target),
            sx(annotation),
            value.as_ref().map_or(String::new(), |v| format!(" {}", sx(v)))
        ),
        StmtKind::Return(v) => match v {
            Some(v) => format!("(return {})", sx(v)),
            None => "(return)".into(),
        },
        StmtKind::Pass => "(pass)".into(),
        StmtKind::Break => "(break)".into(),
        StmtKind::Continue => "(continue)".into(),
        StmtKind::Raise { exc, cause } => format!(
            "(raise{}{})",
            exc.as_ref().map_or(String::new(), |e| format!(" {}", sx(e))),
            cause.as_ref().map_or(String::new(), |e| format!(" from {}", sx(e)))
        ),
        StmtKind::Assert { test, msg } => format!(
            "(assert {}{})",
            sx(test),
            msg.as_ref().map_or(String::new(), |m| format!(" {}", sx(m)))
        ),
        StmtKind::Import(names) => format!("(import {})", salias(names)),
        StmtKind::ImportFrom { module, names } => {
            format!(
                "(from {module} import {})",
                if names.is_empty() { "*".into() } else { salias(names) }
            )
        }
        StmtKind::Delete(ts) => {
            format!("(del {})", ts.iter().map(sx).collect::<Vec<_>>().join(" "))
        }
        _ => "(compound)".into(),
    }
}

fn salias(names: &[Alias]) -> String {
    names
        .iter()
        .map(|a| match &a.asname {
            Some(n) => format!("{} as {n}", a.name),
            None => a.name.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sparams(p: &Params) -> String {
    let one = |p: &Param| match &p.default {
        Some(d) => format!("{}={}", p.name, sx(d)),
        None => p.name.to_string(),
    };
    let mut parts: Vec<String> = p.args.iter().map(one).collect();
    if let Some(v) = &p.vararg {
        parts.push(format!("*{}", v.name));
    } else if !p.kwonly.is_empty() {
        parts.push("*".into());
    }
    parts.extend(p.kwonly.iter().map(one));
    if let Some(k) = &p.kwarg {
        parts.push(format!("**{}", k.name));
    }
    parts.join(" ")
}

fn sgens(gens: &[Comprehension]) -> String {
    gens.iter()
        .map(|g| {
            let mut s = format!("(for {} {}", sx(&g.target), sx(&g.iter));
            for c in &g.ifs {
                let _ = write!(s, " (if {})", sx(c));
            }
            s.push(')');
            s
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sfparts(parts: &[FPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            FPart::Literal(s) => format!("{s:?}"),
            FPart::Field(f) => {
                let mut s = format!("{{{}", sx(&f.value));
                if let Some(t) = &f.debug_text {
                    let _ = write!(s, " debug={t:?}");
                }
                if let Some(c) = f.conversion {
                    let _ = write!(s, " !{c}");
                }
                if let Some(spec) = &f.format_spec {
                    let _ = write!(s, " :{}", sfparts(spec));
                }
                s.push('}');
                s
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sxs(items: &[Expr]) -> String {
    items.iter().map(sx).collect::<Vec<_>>().join(" ")
}

/// One expression as an S-expression.
pub fn sx(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.to_string(),
        ExprKind::Constant(c) => match c {
            Constant::None => "None".into(),
            Constant::Bool(b) => if *b { "True" } else { "False" }.into(),
            Constant::Int(i) => i.to_string(),
            Constant::BigInt(d) => d.to_string(),
            Constant::Float(f) => format!("{f:?}"),
            Constant::Str(s) => format!("{s:?}"),
            Constant::Ellipsis => "...".into(),
        },
        ExprKind::FString(parts) => format!("(f {})", sfparts(parts)),
        ExprKind::List(items) => format!("(list {})", sxs(items)),
        ExprKind::Tuple(items) => format!("(tuple {})", sxs(items)),
        ExprKind::Set(items) => format!("(set {})", sxs(items)),
        ExprKind::Dict(items) => format!(
            "(dict {})",
            items
                .iter()
                .map(|(k, v)| match k {
                    Some(k) => format!("({} {})", sx(k), sx(v)),
                    None => format!("(** {})", sx(v)),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Starred(x) => format!("(* {})", sx(x)),
        ExprKind::BinOp { left, op, right } => {
            format!("({} {} {})", op.as_str(), sx(left), sx(right))
        }
        ExprKind::UnaryOp { op, operand } => format!("({} {})", op.as_str(), sx(operand)),
        ExprKind::BoolOp { op, values } => format!("({} {})", op.as_str(), sxs(values)),
        ExprKind::Compare { left, ops, comparators } => {
            let mut s = format!("(cmp {}", sx(left));
            for (o, c) in ops.iter().zip(comparators) {
                let _ = write!(s, " {} {}", o.as_str(), sx(c));
            }
            s.push(')');
            s
        }
        ExprKind::IfExp { test, body, orelse } => {
            format!("(ifexp {} {} {})", sx(test), sx(body), sx(orelse))
        }
        ExprKind::Lambda { params, body } => format!("(lambda ({}) {})", sparams(params), sx(body)),
        ExprKind::Call { func, args, keywords } => {
            let mut s = format!("(call {}", sx(func));
            for a in args {
                let _ = write!(s, " {}", sx(a));
            }
            for k in keywords {
                match &k.name {
                    Some(n) => {
                        let _ = write!(s, " {n}={}", sx(&k.value));
                    }
                    None => {
                        let _ = write!(s, " **{}", sx(&k.value));
                    }
                }
            }
            s.push(')');
            s
        }
        ExprKind::Attribute { value, attr } => format!("(. {} {attr})", sx(value)),
        ExprKind::Subscript { value, index } => format!("([] {} {})", sx(value), sx(index)),
        ExprKind::Slice { lower, upper, step } => {
            let o = |x: &Option<Box<Expr>>| x.as_ref().map_or("_".to_string(), |x| sx(x));
            format!("(slice {} {} {})", o(lower), o(upper), o(step))
        }
        ExprKind::ListComp { elt, generators } => {
            format!("(listcomp {} {})", sx(elt), sgens(generators))
        }
        ExprKind::SetComp { elt, generators } => {
            format!("(setcomp {} {})", sx(elt), sgens(generators))
        }
        ExprKind::DictComp { key, value, generators } => {
            format!("(dictcomp {} {} {})", sx(key), sx(value), sgens(generators))
        }
        ExprKind::GeneratorExp { elt, generators } => {
            format!("(genexp {} {})", sx(elt), sgens(generators))
        }
        ExprKind::Await(x) => format!("(await {})", sx(x)),
        ExprKind::NamedExpr { target, value } => format!("(:= {target} {})", sx(value)),
    }
}
