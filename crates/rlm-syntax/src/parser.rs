//! The parser: chumsky combinators over the lexer's tokens.
//!
//! The grammar follows CPython's (see `grammar/dsl.ebnf`), in layers:
//! statements and blocks; then `lambda`, conditional expressions, `or`, `and`,
//! `not` and comparisons as explicit layers (comparisons chain, so they are not
//! a binary operator); then a Pratt parser for Python's arithmetic and bitwise
//! precedence table; then primaries (calls, subscripts, attributes) and atoms.
//!
//! Deliberately left-out features (`class`, `with`, `yield`, `global`, ...)
//! are parsed just enough to report them with a hint and skip them, so that
//! the rest of the program still gets checked.

use crate::ast::{Constant, Expr, ExprKind};
use crate::token::Keyword as Kw;

/// The fast pass: errors carry no information, so failed alternatives cost
/// nothing. Almost every program the model writes parses here, once.
pub(crate) mod fast {
    use chumsky::error::EmptyErr;
    use chumsky::span::SimpleSpan;
    pub(crate) type ErrT<'t> = EmptyErr;
    fn custom<'t>(_span: SimpleSpan, _msg: impl Into<String>) -> ErrT<'t> {
        EmptyErr::default()
    }

    /// Fails unless the next token passes `f`, consuming nothing: skips a
    /// group of alternatives that could not match it. The explaining pass
    /// tries them all, as what they expected is what its errors list.
    fn guard<'t, I>(f: fn(Tok) -> bool) -> impl Parser<'t, I, (), Extra<'t>> + Clone
    where
        I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
    {
        any().filter(move |t: &Tok| f(*t)).ignored().rewind()
    }

    /// One of `table`'s operators, read once (the explaining pass tries
    /// each in turn, for the expected set): its value.
    fn op_in<'t, I, O>(table: &'static [(Op, O)]) -> impl Parser<'t, I, O, Extra<'t>> + Clone
    where
        I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
        O: Copy + 't,
    {
        chumsky::primitive::select(move |t, _| match t {
            Tok::Op(o) => table.iter().find(|(x, _)| *x == o).map(|(_, v)| *v),
            _ => None,
        })
    }
    include!("grammar/statements.rs");
    include!("grammar/expressions.rs");
    include!("grammar/arith_climb.rs");
}

/// The explaining pass: the same grammar with `Rich` errors (expected sets,
/// custom messages), run only on programs the fast pass rejected.
pub(crate) mod rich {
    use chumsky::error::Rich;
    use chumsky::span::SimpleSpan;

    pub(crate) type ErrT<'t> = Rich<'t, crate::token::Tok, SimpleSpan>;
    fn custom<'t>(span: SimpleSpan, msg: impl Into<String>) -> ErrT<'t> {
        Rich::custom(span, msg.into())
    }

    /// Skips nothing here (see the fast pass's).
    fn guard<'t, I>(_f: fn(Tok) -> bool) -> impl Parser<'t, I, (), Extra<'t>> + Clone
    where
        I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
    {
        empty()
    }

    /// One of `table`'s operators, each tried in turn: its value.
    fn op_in<'t, I, O>(table: &'static [(Op, O)]) -> impl Parser<'t, I, O, Extra<'t>> + Clone
    where
        I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
        O: Copy + 't,
    {
        choice(table.iter().map(|&(o, v)| op(o).to(v)).collect::<Vec<_>>())
    }
    include!("grammar/statements.rs");
    include!("grammar/expressions.rs");
    include!("grammar/arith_pratt.rs");
}

/// What a keyword left out of the DSL is, and what to write instead.
pub(crate) fn left_out_hint(k: Kw) -> Option<(&'static str, &'static str)> {
    Some(match k {
        Kw::Class => (
            "classes are not available",
            "use a dict for records (e.g. {\"name\": n, \"score\": s}) and plain functions for behaviour",
        ),
        Kw::With => (
            "`with` is not available",
            "call functions directly; there are no files or resources to manage",
        ),
        Kw::Yield => ("generators (`yield`) are not available", "build and return a list instead"),
        Kw::Global => (
            "`global` is not available",
            "return values from functions, or keep shared state in a dict or list",
        ),
        Kw::Nonlocal => {
            ("`nonlocal` is not available", "keep the shared state in a dict or list and mutate it")
        }
        _ => return None,
    })
}

/// A short description of an expression for error messages, as CPython words them.
pub(crate) fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Call { .. } => "function call",
        ExprKind::Constant(Constant::None) => "None",
        ExprKind::Constant(Constant::Bool(true)) => "True",
        ExprKind::Constant(Constant::Bool(false)) => "False",
        ExprKind::Constant(Constant::Ellipsis) => "ellipsis",
        ExprKind::Constant(_) | ExprKind::FString(_) => "literal",
        ExprKind::BinOp { .. } | ExprKind::UnaryOp { .. } => "expression",
        ExprKind::BoolOp { .. } => "expression",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::NamedExpr { .. } => "named expression",
        ExprKind::Slice { .. } => "slice",
        ExprKind::Name(_) => "name",
        ExprKind::Attribute { .. } => "attribute",
        ExprKind::Subscript { .. } => "subscript",
        ExprKind::Starred(_) => "starred",
        ExprKind::List(_) => "list",
        ExprKind::Tuple(_) => "tuple",
    }
}
