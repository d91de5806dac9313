//! Expressions: constants, names, operators (short-circuit `and`/`or`,
//! chained comparisons), subscripts and slices, calls (positional, keyword,
//! `*args`/`**kwargs`), literals, f-strings, `await`, the walrus operator.

use crate::value::AlignedBool;
use rlm_syntax::ast::{self, Constant, Expr, ExprKind};

use crate::compile::{CResult, CompKind, Compiler, FnBody, Instr, SeqKind};
use crate::value::Value;

/// The compiler's refusal of a tree deeper than its stack allows (worded as
/// the parser's nesting error).
pub(super) const NESTS_TOO_DEEPLY: &str = "the program nests too deeply to compile";

impl Compiler<'_> {
    pub(super) fn expr(&mut self, e: &Expr) -> CResult {
        // The parser's budgets bound the tree's depth; this is the last line
        // (see `stack_guard`).
        if crate::stack_guard::stack_low() {
            return Err(self.err(NESTS_TOO_DEEPLY));
        }
        // Where an awaitable is wanted (see `Instr::Defer`): a call there, and
        // the elements of a display or comprehension there.
        let defer = std::mem::take(&mut self.defer_calls);
        if defer {
            match &e.kind {
                ExprKind::Call { func, args, keywords } => {
                    return self.call(func, args, keywords, true);
                }
                ExprKind::List(_)
                | ExprKind::Tuple(_)
                | ExprKind::ListComp { .. }
                | ExprKind::GeneratorExp { .. } => self.defer_elements = true,
                _ => {}
            }
        }
        match &e.kind {
            ExprKind::Name(n) => self.load_name(n),
            ExprKind::Constant(Constant::None) => {
                self.emit(Instr::LoadNone);
            }
            ExprKind::Constant(c) => match constant_value(c) {
                Ok(v) => {
                    let k = self.konst(v);
                    self.emit(Instr::LoadConst(k));
                }
                Err(digits) => {
                    return Err(self.err(format!(
                        "integer literal {digits} is too large: integers here are 64-bit (at most 9223372036854775807)"
                    )));
                }
            },
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::List(xs) => self.sequence(xs, SeqKind::List)?,
            ExprKind::Tuple(xs) => self.sequence(xs, SeqKind::Tuple)?,
            ExprKind::Set(xs) => self.sequence(xs, SeqKind::Set)?,
            ExprKind::Dict(items) => {
                if items.iter().any(|(k, _)| k.is_none()) {
                    self.emit(Instr::BuildDict(0));
                    for (k, v) in items {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Instr::BuildDict(1));
                                self.emit(Instr::DictUpdate);
                            }
                            None => {
                                self.expr(v)?;
                                self.emit(Instr::DictUpdate);
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
                    self.emit(Instr::BuildDict(items.len() as u32));
                }
            }
            ExprKind::Starred(_) => return Err(self.err("can't use starred expression here")),
            ExprKind::BinOp { left, op, right } => {
                self.expr(left)?;
                self.expr(right)?;
                self.emit(Instr::Binary(*op));
            }
            ExprKind::UnaryOp { op: ast::UnaryOp::Neg, operand } if is_two_to_63(operand) => {
                // `-2**63` and `-9223372036854775808` are CPython's ints and
                // ours (the smallest i64), though their operand is not.
                let k = self.konst(Value::Int(i64::MIN));
                self.emit(Instr::LoadConst(k));
            }
            ExprKind::UnaryOp { op, operand } => {
                self.expr(operand)?;
                self.emit(Instr::Unary(*op));
            }
            ExprKind::BoolOp { op, values } => {
                let mut jumps = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        jumps.push(self.emit(match op {
                            ast::BoolOp::And => Instr::JumpIfFalseOrPop(0),
                            ast::BoolOp::Or => Instr::JumpIfTrueOrPop(0),
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
                    self.emit(Instr::Compare(ops[0]));
                } else {
                    let mut cleanups = Vec::new();
                    for (i, (op, c)) in ops.iter().zip(comparators).enumerate() {
                        self.expr(c)?;
                        if i + 1 < ops.len() {
                            self.emit(Instr::Dup);
                            self.emit(Instr::Rot3);
                            self.emit(Instr::Compare(*op));
                            cleanups.push(self.emit(Instr::JumpIfFalseOrPop(0)));
                        } else {
                            self.emit(Instr::Compare(*op));
                        }
                    }
                    let end = self.emit(Instr::Jump(0));
                    for c in cleanups {
                        self.patch(c);
                    }
                    self.emit(Instr::Rot2);
                    self.emit(Instr::Pop);
                    self.patch(end);
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                let j = self.emit(Instr::JumpIfFalse(0));
                self.expr(body)?;
                let end = self.emit(Instr::Jump(0));
                self.patch(j);
                self.expr(orelse)?;
                self.patch(end);
            }
            ExprKind::Lambda { params, body } => {
                self.function("<lambda>", params, FnBody::Expr(body), false)?;
            }
            ExprKind::Call { func, args, keywords } => self.call(func, args, keywords, false)?,
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.emit(Instr::LoadAttr(n));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.subscript_index(index)?;
                self.emit(Instr::Subscr);
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step] {
                    match part {
                        Some(x) => self.expr(x)?,
                        None => {
                            self.emit(Instr::LoadNone);
                        }
                    }
                }
                self.emit(Instr::BuildSlice);
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
                self.defer_calls = true;
                self.expr(x)?;
                self.emit(Instr::Await);
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value)?;
                self.emit(Instr::Dup);
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
                    self.emit(Instr::LoadConst(k));
                }
                ast::FPart::Field(f) => {
                    if let Some(dt) = &f.debug_text {
                        let k = self.konst(Value::str(dt.as_str()));
                        self.emit(Instr::LoadConst(k));
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
                            self.emit(Instr::LoadConst(k));
                        }
                        Some(spec) => self.fstring(spec)?,
                        None => {}
                    }
                    self.emit(Instr::FormatValue(conv, has_spec));
                }
            }
            n += 1;
        }
        self.emit(Instr::BuildString(n));
        Ok(())
    }

    /// A loop's iterable (`for`, a comprehension's `for`): a list display
    /// of constants is walked as the tuple of them, made once here, as
    /// CPython folds it (no list is built each time the loop starts: an
    /// `any(w in line for w in ["a", "b"])` a line built one).
    pub(super) fn iterable(&mut self, e: &Expr) -> CResult {
        match &e.kind {
            // Where an awaitable is wanted, `expr` takes the mark (`defer_calls`).
            ExprKind::List(xs) if !self.defer_calls => match constant_tuple(xs) {
                Some(t) => {
                    let k = self.konst(t);
                    self.emit(Instr::LoadConst(k));
                    Ok(())
                }
                None => self.expr(e),
            },
            _ => self.expr(e),
        }
    }

    fn sequence(&mut self, xs: &[Expr], kind: SeqKind) -> CResult {
        if let (SeqKind::Tuple, Some(t)) = (&kind, constant_tuple(xs)) {
            // A tuple of constants is one constant, as CPython folds it.
            self.defer_elements = false;
            let k = self.konst(t);
            self.emit(Instr::LoadConst(k));
            return Ok(());
        }
        let defer = std::mem::take(&mut self.defer_elements);
        if xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
            match kind {
                SeqKind::Set => self.emit(Instr::BuildSet(0)),
                _ => self.emit(Instr::BuildList(0)),
            };
            for x in xs {
                self.defer_calls = defer;
                match &x.kind {
                    ExprKind::Starred(inner) => self.expr(inner)?,
                    _ => {
                        self.expr(x)?;
                        self.emit(Instr::BuildTuple(1));
                    }
                }
                match kind {
                    SeqKind::Set => self.emit(Instr::SetUpdate),
                    _ => self.emit(Instr::ListExtend),
                };
            }
            if let SeqKind::Tuple = kind {
                self.emit(Instr::ListToTuple);
            }
        } else {
            for x in xs {
                self.defer_calls = defer;
                self.expr(x)?;
            }
            let n = xs.len() as u32;
            self.emit(match kind {
                SeqKind::List => Instr::BuildList(n),
                SeqKind::Tuple => Instr::BuildTuple(n),
                SeqKind::Set => Instr::BuildSet(n),
            });
        }
        Ok(())
    }

    /// A call; `defer`: it sits where an awaitable is wanted (`Instr::Defer`).
    /// The arguments of `asyncio.gather(...)` (or `gather(...)`) are such
    /// places, so its host calls reach the host as one batch.
    fn call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        keywords: &[ast::Keyword],
        defer: bool,
    ) -> CResult {
        let gather = match &func.kind {
            ExprKind::Name(n) => n == "gather",
            ExprKind::Attribute { attr, .. } => attr == "gather",
            _ => false,
        };
        let has_star = args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)))
            || keywords.iter().any(|k| k.name.is_none());
        if !has_star && keywords.is_empty() {
            if let ExprKind::Attribute { value, attr } = &func.kind {
                self.expr(value)?;
                for a in args {
                    self.defer_calls = gather;
                    self.expr(a)?;
                }
                let n = self.name_idx(attr);
                if defer {
                    self.emit(Instr::Defer);
                }
                self.emit(Instr::CallMethod(n, args.len() as u32));
                return Ok(());
            }
        }
        self.expr(func)?;
        if has_star {
            self.emit(Instr::BuildList(0));
            for a in args {
                self.defer_calls = gather;
                match &a.kind {
                    ExprKind::Starred(inner) => self.expr(inner)?,
                    _ => {
                        self.expr(a)?;
                        self.emit(Instr::BuildTuple(1));
                    }
                }
                self.emit(Instr::ListExtend);
            }
            self.emit(Instr::BuildDict(0));
            for k in keywords {
                match &k.name {
                    Some(n) => {
                        let c = self.konst(Value::str(n.as_str()));
                        self.emit(Instr::LoadConst(c));
                        self.expr(&k.value)?;
                        self.emit(Instr::BuildDict(1));
                        self.emit(Instr::DictUpdate);
                    }
                    None => {
                        self.expr(&k.value)?;
                        self.emit(Instr::DictUpdate);
                    }
                }
            }
            if defer {
                self.emit(Instr::Defer);
            }
            self.emit(Instr::CallEx);
        } else {
            for a in args {
                self.defer_calls = gather;
                self.expr(a)?;
            }
            if keywords.is_empty() {
                if defer {
                    self.emit(Instr::Defer);
                }
                self.emit(Instr::Call(args.len() as u32));
            } else {
                let mut names = Vec::new();
                for k in keywords {
                    self.expr(&k.value)?;
                    names.push(Value::str(k.name.as_deref().unwrap_or("")));
                }
                let c = self.konst(Value::tuple(names));
                if defer {
                    self.emit(Instr::Defer);
                }
                self.emit(Instr::CallKw(args.len() as u32, c));
            }
        }
        Ok(())
    }
}

/// Whether `e` is a literal 2^63 (`9223372036854775808`, or `a ** b` of int
/// literals equal to it): the one int whose negation fits in an i64 while
/// it does not.
fn is_two_to_63(e: &ast::Expr) -> bool {
    const TWO_TO_63: i128 = 1 << 63;
    match &e.kind {
        ExprKind::Constant(Constant::BigInt(digits)) => digits.parse::<i128>() == Ok(TWO_TO_63),
        ExprKind::BinOp { left, op: ast::BinOp::Pow, right } => match (&left.kind, &right.kind) {
            (ExprKind::Constant(Constant::Int(a)), ExprKind::Constant(Constant::Int(b))) => {
                u32::try_from(*b).ok().and_then(|b| (*a as i128).checked_pow(b)) == Some(TWO_TO_63)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A constant's value; `Err` with its digits for an int past 64 bits, which
/// the compiler refuses.
fn constant_value(c: &Constant) -> Result<Value, &str> {
    Ok(match c {
        Constant::None => Value::None,
        Constant::Bool(b) => Value::Bool(AlignedBool(*b)),
        Constant::Int(i) => Value::Int(*i),
        Constant::BigInt(digits) => return Err(digits.as_str()),
        Constant::Float(f) => Value::Float(*f),
        Constant::Str(s) => Value::str(s.as_str()),
        Constant::Ellipsis => Value::Ellipsis,
    })
}

/// The tuple of a display's items when each is a constant other than a
/// big int (whose error the compiler gives where it meets it): `None` for
/// an empty display or any other item (a name, a call, a nested display).
fn constant_tuple(xs: &[Expr]) -> Option<Value> {
    if xs.is_empty() {
        return None;
    }
    let mut items = Vec::with_capacity(xs.len());
    for x in xs {
        let ExprKind::Constant(c) = &x.kind else { return None };
        items.push(constant_value(c).ok()?);
    }
    Some(Value::tuple(items))
}
