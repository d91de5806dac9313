// The grammar, as chumsky combinators over the lexer's tokens.
//
// This file is `include!`d twice by `parser.rs`: once with chumsky's zero-cost
// `EmptyErr` (the fast pass every program takes) and once with `Rich` errors
// (only for programs that failed, to explain why). Each includer defines
// `ErrT<'t>` and `custom(span, msg)`. Being included, it cannot carry a `//!`
// doc; `parser.rs` documents it.

use chumsky::input::ValueInput;
use chumsky::pratt::{infix, left, prefix, right};
use chumsky::prelude::*;

use crate::Span;
use crate::ast::*;
use crate::token::{Keyword as Kw, Op, Token};

use crate::parser::{describe, left_out_hint};

pub(crate) type Extra<'t> = extra::Err<ErrT<'t>>;

fn sp(s: SimpleSpan) -> Span {
    Span::from(s)
}

fn op<'t, I>(o: Op) -> impl Parser<'t, I, Token, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    just(Token::Op(o))
}

fn kw<'t, I>(k: Kw) -> impl Parser<'t, I, Token, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    just(Token::Kw(k))
}

fn name<'t, I>() -> impl Parser<'t, I, Name, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    select! { Token::Name(n) => n }.labelled("a name")
}

/// The statement-list parser for a whole module.
pub(crate) fn module_parser<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let ex = Exprs::<I>::new();
    let stmts = recursive(|stmts: Recursive<dyn Parser<'t, I, Vec<Stmt>, Extra<'t>>>| {
        let block = just(Token::Newline)
            .ignore_then(just(Token::Indent))
            .ignore_then(stmts.clone())
            .then_ignore(just(Token::Dedent));
        let simple = simple_stmts(&ex);
        let suite = op(Op::Colon).labelled("`:`").ignore_then(block.or(simple.clone())).boxed();
        let stmt = compound_stmt(&ex, suite)
            .map(|s| vec![s])
            .or(left_out_stmt::<I>())
            .or(simple)
            .or(just(Token::Indent)
                .map_with(|_, e| e.span())
                .validate(|s: SimpleSpan, _, emitter| {
                    emitter.emit(custom(s, "unexpected indent"));
                })
                .ignore_then(stmts.clone())
                .then_ignore(just(Token::Dedent)))
            .recover_with(via_parser(skip_statement::<I>()));
        stmt.repeated()
            .at_least(1)
            .collect::<Vec<Vec<Stmt>>>()
            .map(|v| v.into_iter().flatten().collect())
    });
    just(Token::Newline)
        .repeated()
        .ignore_then(stmts.or_not().map(Option::unwrap_or_default))
        .then_ignore(end())
}

/// On an error inside a statement: skip to the end of its line and any block
/// that follows, yielding no statement. The error itself was already recorded.
fn skip_statement<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let block = recursive(|block| {
        just(Token::Indent)
            .ignore_then(block.or(none_of([Token::Indent, Token::Dedent]).ignored()).repeated())
            .then_ignore(just(Token::Dedent))
    });
    none_of([Token::Newline, Token::Indent, Token::Dedent])
        .repeated()
        .at_least(1)
        .then(just(Token::Newline))
        .then(block.or_not())
        .to(Vec::new())
}

/// `class`, `with`, `global`, ... : report with a hint, skip the line and its block.
fn left_out_stmt<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let head = select! {
        Token::Kw(k) if left_out_hint(k).is_some() => k,
    }
    .map_with(|k, e| (Some(k), e.span()))
    .or(kw(Kw::Async)
        .then(kw(Kw::For).or(kw(Kw::With)))
        .map_with(|_, e| (Some(Kw::Async), e.span())))
    .or(op(Op::At).map_with(|_, e| (None, e.span())));
    head.validate(|(k, s): (Option<Kw>, SimpleSpan), _, emitter| {
        let msg = match k {
            Some(Kw::Async) => "`async for` and `async with` are not available".to_string(),
            Some(k) => left_out_hint(k).map_or("not available", |h| h.0).to_string(),
            None => "decorators are not available".to_string(),
        };
        emitter.emit(custom(s, msg));
    })
    .then(skip_statement::<I>())
    .to(Vec::new())
}

fn compound_stmt<'t, I, S>(
    ex: &Exprs<'t, I>,
    suite: S,
) -> impl Parser<'t, I, Stmt, Extra<'t>> + Clone + use<'t, I, S>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
    S: Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone + 't,
{
    let expr = ex.expr.clone();
    let named = named_expr(expr.clone());
    let exprs = expr_list(expr.clone(), true);
    let target = target_list(ex);

    let else_block = kw(Kw::Else).ignore_then(suite.clone());

    let if_stmt = kw(Kw::If)
        .ignore_then(named.clone())
        .then(suite.clone())
        .then(
            kw(Kw::Elif)
                .map_with(|_, e| e.span())
                .then(named.clone())
                .then(suite.clone())
                .repeated()
                .collect::<Vec<_>>(),
        )
        .then(else_block.clone().or_not())
        .map_with(|(((test, body), elifs), orelse), e| {
            let mut orelse = orelse.unwrap_or_default();
            for ((elif_span, test), body) in elifs.into_iter().rev() {
                let end =
                    orelse.last().map(|s: &Stmt| s.span).or(body.last().map(|s: &Stmt| s.span));
                let span = end.map_or(sp(elif_span), |end| sp(elif_span).to(end));
                orelse = vec![Stmt { kind: StmtKind::If { test, body, orelse }, span }];
            }
            Stmt { kind: StmtKind::If { test, body, orelse }, span: sp(e.span()) }
        });

    let while_stmt = kw(Kw::While)
        .ignore_then(named.clone())
        .then(suite.clone())
        .then(else_block.clone().or_not())
        .map_with(|((test, body), orelse), e| Stmt {
            kind: StmtKind::While { test, body, orelse: orelse.unwrap_or_default() },
            span: sp(e.span()),
        });

    let for_stmt = kw(Kw::For)
        .ignore_then(target.clone())
        .then_ignore(kw(Kw::In).labelled("`in`"))
        .then(exprs.clone())
        .then(suite.clone())
        .then(else_block.clone().or_not())
        .map_with(|(((target, iter), body), orelse), e| Stmt {
            kind: StmtKind::For { target, iter, body, orelse: orelse.unwrap_or_default() },
            span: sp(e.span()),
        });

    let handler = kw(Kw::Except)
        .ignore_then(expr.clone().then(kw(Kw::As).ignore_then(name()).or_not()).or_not())
        .then(suite.clone())
        .map_with(|(head, body), e| {
            let (typ, name) = match head {
                Some((t, n)) => (Some(t), n),
                None => (None, None),
            };
            ExceptHandler { typ, name, body, span: sp(e.span()) }
        });
    let try_stmt = kw(Kw::Try)
        .ignore_then(suite.clone())
        .then(handler.repeated().collect::<Vec<_>>())
        .then(else_block.clone().or_not())
        .then(kw(Kw::Finally).ignore_then(suite.clone()).or_not())
        .validate(|(((body, handlers), orelse), finalbody), e, emitter| {
            if handlers.is_empty() && finalbody.is_none() {
                emitter.emit(custom(
                    e.span(),
                    "`try` needs at least one `except` or a `finally`",
                ));
            }
            if handlers.is_empty() && orelse.is_some() {
                emitter.emit(custom(e.span(), "`try`/`else` needs an `except` clause"));
            }
            (((body, handlers), orelse), finalbody)
        })
        .map_with(|(((body, handlers), orelse), finalbody), e| Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                orelse: orelse.unwrap_or_default(),
                finalbody: finalbody.unwrap_or_default(),
            },
            span: sp(e.span()),
        });

    let def_stmt = kw(Kw::Async)
        .or_not()
        .then_ignore(kw(Kw::Def))
        .then(name())
        .then(params(ex, true).delimited_by(op(Op::LParen), op(Op::RParen)))
        .then(op(Op::Arrow).ignore_then(expr.clone()).or_not())
        .then(suite.clone())
        .map_with(|((((is_async, name), params), returns), body), e| Stmt {
            kind: StmtKind::FunctionDef(Box::new(FunctionDef {
                name,
                params,
                body,
                is_async: is_async.is_some(),
                returns,
            })),
            span: sp(e.span()),
        });

    choice((if_stmt, while_stmt, for_stmt, try_stmt, def_stmt.boxed())).boxed()
}

/// `small_stmt (';' small_stmt)* [';'] NEWLINE`
fn simple_stmts<'t, I>(
    ex: &Exprs<'t, I>,
) -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    small_stmt(ex)
        .separated_by(op(Op::Semi))
        .at_least(1)
        .allow_trailing()
        .collect::<Vec<_>>()
        .then_ignore(just(Token::Newline).labelled("end of line"))
        .boxed()
}

fn dotted_name<'t, I>() -> impl Parser<'t, I, Name, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    name()
        .separated_by(op(Op::Dot))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(|parts| Name::new(parts.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(".")))
}

fn small_stmt<'t, I>(ex: &Exprs<'t, I>) -> impl Parser<'t, I, Stmt, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let exprs = expr_list(expr.clone(), true);
    let s = |kind: StmtKind, span: SimpleSpan| Stmt { kind, span: sp(span) };

    let pass = kw(Kw::Pass).map_with(move |_, e| s(StmtKind::Pass, e.span()));
    let brk = kw(Kw::Break).map_with(move |_, e| s(StmtKind::Break, e.span()));
    let cont = kw(Kw::Continue).map_with(move |_, e| s(StmtKind::Continue, e.span()));
    let ret = kw(Kw::Return)
        .ignore_then(exprs.clone().or_not())
        .map_with(move |v, e| s(StmtKind::Return(v), e.span()));
    let raise = kw(Kw::Raise)
        .ignore_then(expr.clone().then(kw(Kw::From).ignore_then(expr.clone()).or_not()).or_not())
        .map_with(move |v, e| {
            let (exc, cause) = match v {
                Some((x, c)) => (Some(x), c),
                None => (None, None),
            };
            s(StmtKind::Raise { exc, cause }, e.span())
        });
    let assert = kw(Kw::Assert)
        .ignore_then(expr.clone())
        .then(op(Op::Comma).ignore_then(expr.clone()).or_not())
        .map_with(move |(test, msg), e| s(StmtKind::Assert { test, msg }, e.span()));
    let del = kw(Kw::Del).ignore_then(target_list(ex)).map_with(move |t, e| {
        let targets = match t.kind {
            ExprKind::Tuple(items) => items,
            _ => vec![t],
        };
        s(StmtKind::Delete(targets), e.span())
    });
    let alias = |n: chumsky::Boxed<'t, 't, I, Name, Extra<'t>>| {
        n.then(kw(Kw::As).ignore_then(name()).or_not()).map_with(|(name, asname), e| Alias {
            name,
            asname,
            span: sp(e.span()),
        })
    };
    let import = kw(Kw::Import)
        .ignore_then(
            alias(dotted_name().boxed())
                .separated_by(op(Op::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map_with(move |names, e| s(StmtKind::Import(names), e.span()));
    let from_names = op(Op::Star)
        .to(Vec::new())
        .or(alias(name().boxed())
            .separated_by(op(Op::Comma))
            .at_least(1)
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(op(Op::LParen), op(Op::RParen)))
        .or(alias(name().boxed()).separated_by(op(Op::Comma)).at_least(1).collect::<Vec<_>>());
    let from = kw(Kw::From)
        .ignore_then(
            op(Op::Dot)
                .repeated()
                .at_least(1)
                .map_with(|_, e| e.span())
                .validate(|s, _, emitter| {
                    emitter.emit(custom(s, "relative imports are not available"))
                })
                .or_not(),
        )
        .ignore_then(dotted_name().or_not())
        .then_ignore(kw(Kw::Import))
        .then(from_names)
        .map_with(move |(module, names), e| {
            // A missing module name only follows a relative import, already reported.
            let module = module.unwrap_or_default();
            s(StmtKind::ImportFrom { module, names }, e.span())
        });

    let aug_op = select! {
        Token::Op(Op::PlusEq) => BinOp::Add,
        Token::Op(Op::MinusEq) => BinOp::Sub,
        Token::Op(Op::StarEq) => BinOp::Mult,
        Token::Op(Op::SlashEq) => BinOp::Div,
        Token::Op(Op::DoubleSlashEq) => BinOp::FloorDiv,
        Token::Op(Op::PercentEq) => BinOp::Mod,
        Token::Op(Op::DoubleStarEq) => BinOp::Pow,
        Token::Op(Op::AmpEq) => BinOp::BitAnd,
        Token::Op(Op::PipeEq) => BinOp::BitOr,
        Token::Op(Op::CaretEq) => BinOp::BitXor,
        Token::Op(Op::LShiftEq) => BinOp::LShift,
        Token::Op(Op::RShiftEq) => BinOp::RShift,
        Token::Op(Op::AtEq) => BinOp::MatMult,
    };

    #[derive(Clone)]
    enum Tail {
        Assign(Vec<Expr>),
        Aug(BinOp, Expr),
        Ann(Expr, Option<Expr>),
        None,
    }
    let tail = choice((
        op(Op::Eq)
            .ignore_then(exprs.clone())
            .repeated()
            .at_least(1)
            .collect::<Vec<_>>()
            .map(Tail::Assign),
        aug_op.then(exprs.clone()).map(|(o, v)| Tail::Aug(o, v)),
        op(Op::Colon)
            .ignore_then(expr.clone())
            .then(op(Op::Eq).ignore_then(exprs.clone()).or_not())
            .map(|(a, v)| Tail::Ann(a, v)),
    ))
    .or_not()
    .map(|t| t.unwrap_or(Tail::None));

    let expr_or_assign = exprs.clone().then(tail).validate(|(first, tail), e, emitter| {
        let span = e.span();
        let kind = match tail {
            Tail::None => StmtKind::Expr(first),
            Tail::Assign(mut rest) => {
                // `a = b = c`: all but the last are targets.
                let value = rest.pop().unwrap_or_else(|| first.clone());
                let mut targets = vec![first];
                targets.extend(rest);
                for t in &targets {
                    check_target(t, "assign to", emitter);
                }
                StmtKind::Assign { targets, value }
            }
            Tail::Aug(o, value) => {
                if !matches!(
                    first.kind,
                    ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
                ) {
                    emitter.emit(custom(
                        first.span.range().into(),
                        format!(
                            "'{}' is an illegal expression for augmented assignment",
                            describe(&first)
                        ),
                    ));
                }
                StmtKind::AugAssign { target: first, op: o, value }
            }
            Tail::Ann(annotation, value) => {
                check_target(&first, "annotate", emitter);
                StmtKind::AnnAssign { target: first, annotation, value }
            }
        };
        Stmt { kind, span: sp(span) }
    });

    choice((pass, brk, cont, ret, raise, assert, del, import, from, expr_or_assign)).boxed()
}

fn check_target<'t>(
    t: &Expr,
    verb: &str,
    emitter: &mut chumsky::input::Emitter<ErrT<'t>>,
) {
    match &t.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => {}
        ExprKind::Tuple(items) | ExprKind::List(items) if verb == "assign to" => {
            for i in items {
                check_target(i, verb, emitter);
            }
        }
        ExprKind::Starred(inner) if verb == "assign to" => check_target(inner, verb, emitter),
        _ => {
            let mut msg = format!("cannot {verb} {}", describe(t));
            if matches!(
                t.kind,
                ExprKind::Call { .. } | ExprKind::Compare { .. } | ExprKind::BinOp { .. }
            ) {
                msg.push_str(" here. Maybe you meant '==' instead of '='?");
            }
            emitter.emit(custom(t.span.range().into(), msg));
        }
    }
}

/// `x := value` over `expr`, where Python allows it (conditions, arguments,
/// elements, and over `or_test` in comprehension conditions).
fn named_expr<'t, I, E>(expr: E) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    E: Parser<'t, I, Expr, Extra<'t>> + Clone + 't,
{
    name()
        .then_ignore(op(Op::Walrus))
        .then(expr.clone())
        .map_with(|(target, value), e| {
            Expr::new(ExprKind::NamedExpr { target, value: Box::new(value) }, sp(e.span()))
        })
        .or(expr)
        .boxed()
}

/// `a, *b, c` as an expression: a tuple when there is a comma, else the item.
fn expr_list<'t, I, E>(expr: E, allow_star: bool) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    E: Parser<'t, I, Expr, Extra<'t>> + Clone + 't,
{
    let item = if allow_star { star_or(expr.clone()).boxed() } else { expr.boxed() };
    item.separated_by(op(Op::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .then(op(Op::Comma).or_not())
        .map_with(|(mut items, trailing), e| {
            if items.len() == 1
                && trailing.is_none()
                && !matches!(items[0].kind, ExprKind::Starred(_))
            {
                items.pop().unwrap_or_else(|| Expr::new(ExprKind::Tuple(vec![]), sp(e.span())))
            } else {
                Expr::new(ExprKind::Tuple(items), sp(e.span()))
            }
        })
        .boxed()
}

/// `*x` or an expression.
fn star_or<'t, I, E>(expr: E) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    E: Parser<'t, I, Expr, Extra<'t>> + Clone + 't,
{
    op(Op::Star)
        .ignore_then(expr.clone())
        .map_with(|x, e| Expr::new(ExprKind::Starred(Box::new(x)), sp(e.span())))
        .or(expr)
}

/// Assignment-like targets for `for` and `del`: no comparisons (so that the
/// `in` of `for x in y` is not read as a membership test).
fn target_list<'t, I>(ex: &Exprs<'t, I>) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    expr_list(ex.arith.clone(), true)
}

/// Parameters of a `def` (annotations allowed) or a `lambda` (none).
fn params<'t, I>(
    ex: &Exprs<'t, I>,
    annotations: bool,
) -> impl Parser<'t, I, Params, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    #[derive(Clone)]
    enum P {
        Plain(Param),
        Star(Option<Param>),
        DoubleStar(Param),
        Slash,
    }
    let annotation = if annotations {
        op(Op::Colon).ignore_then(expr.clone()).or_not().boxed()
    } else {
        empty().to(None).boxed()
    };
    let param = name()
        .then(annotation.clone())
        .then(op(Op::Eq).ignore_then(expr.clone()).or_not())
        .map_with(|((name, annotation), default), e| Param {
            name,
            default,
            annotation,
            span: sp(e.span()),
        });
    let bare = name().then(annotation).map_with(|(name, annotation), e| Param {
        name,
        default: None,
        annotation,
        span: sp(e.span()),
    });
    let one = choice((
        op(Op::DoubleStar).ignore_then(bare.clone()).map(P::DoubleStar),
        op(Op::Star).ignore_then(bare.or_not()).map(P::Star),
        op(Op::Slash).to(P::Slash),
        param.map(P::Plain),
    ));
    one.separated_by(op(Op::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .validate(|items, e, emitter| {
            let mut ps = Params::default();
            let mut after_star = false;
            let mut seen_default = false;
            for item in items {
                match item {
                    P::Plain(p) => {
                        if ps.kwarg.is_some() {
                            emitter.emit(custom(
                                p.span.range().into(),
                                "parameter after **kwargs",
                            ));
                        }
                        if after_star {
                            ps.kwonly.push(p);
                        } else {
                            if p.default.is_some() {
                                seen_default = true;
                            } else if seen_default {
                                emitter.emit(custom(
                                    p.span.range().into(),
                                    "parameter without a default follows parameter with a default",
                                ));
                            }
                            ps.args.push(p);
                        }
                    }
                    P::Star(p) => {
                        if after_star {
                            emitter.emit(custom(
                                e.span(),
                                "`*` may appear only once in parameters",
                            ));
                        }
                        after_star = true;
                        ps.vararg = p;
                    }
                    P::DoubleStar(p) => ps.kwarg = Some(p),
                    P::Slash => {}
                }
            }
            ps
        })
        .boxed()
}

/// `for target in iter if cond ...` clauses of a comprehension.
fn comp_for<'t, I>(
    ex: &Exprs<'t, I>,
) -> impl Parser<'t, I, Vec<Comprehension>, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let or_test = ex.or_test.clone();
    let cond = named_expr(or_test.clone());
    kw(Kw::Async)
        .or_not()
        .validate(|a, e, emitter| {
            if a.is_some() {
                emitter.emit(custom(e.span(), "`async for` is not available"));
            }
        })
        .ignore_then(kw(Kw::For))
        .ignore_then(target_list(ex))
        .then_ignore(kw(Kw::In).labelled("`in`"))
        .then(or_test)
        .then(kw(Kw::If).ignore_then(cond).repeated().collect::<Vec<_>>())
        .map(|((target, iter), ifs)| Comprehension { target, iter, ifs })
        .repeated()
        .at_least(1)
        .collect::<Vec<_>>()
        .boxed()
}

type Rec<'t, I, O> = chumsky::Boxed<'t, 't, I, O, Extra<'t>>;

/// The expression grammar's recursive layers, shared by the rules below: the
/// full expression (`lambda`, conditional), `or_test` (what comprehensions
/// iterate over) and the arithmetic layer (assignment-like targets).
pub(crate) struct Exprs<'t, I: ValueInput<'t, Token = Token, Span = SimpleSpan>> {
    pub expr: Rec<'t, I, Expr>,
    pub or_test: Rec<'t, I, Expr>,
    pub arith: Rec<'t, I, Expr>,
}

impl<'t, I> Exprs<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    /// Built with nested `recursive` calls only. chumsky's `Recursive::declare`
    /// holds strong `Rc`s, so mutually recursive declared parsers form a cycle
    /// that leaks on every parse (the fuzzer's leak sanitizer found it); inside
    /// `recursive(|p| ..)` the handle `p` is weak.
    ///
    /// The arithmetic and `or_test` layers built inside the expression (each
    /// holds the expression weakly) also serve the statements: whoever holds
    /// them holds the expression strongly too (`Exprs::expr`), and building
    /// them once instead of twice makes the per-parse construction cheaper.
    pub(crate) fn new() -> Exprs<'t, I> {
        let mut inner = None;
        let expr = recursive(|expr| {
            let expr: Rec<'t, I, Expr> = expr.boxed();
            let arith = arith_layer(expr.clone());
            let ex = Exprs { expr: expr.clone(), or_test: or_test_parser(arith.clone()).boxed(), arith };
            inner = Some((ex.or_test.clone(), ex.arith.clone()));
            expr_top(&ex)
        })
        .boxed();
        // `recursive` runs its closure at once, so `inner` is always set.
        let (or_test, arith) = inner.unwrap_or_else(|| {
            let arith = arith_layer(expr.clone());
            (or_test_parser(arith.clone()).boxed(), arith)
        });
        Exprs { expr, or_test, arith }
    }
}

/// The arithmetic layer over a given full-expression parser.
fn arith_layer<'t, I>(expr: Rec<'t, I, Expr>) -> Rec<'t, I, Expr>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    recursive(|arith| {
        let arith: Rec<'t, I, Expr> = arith.boxed();
        let ex = Exprs { expr: expr.clone(), or_test: or_test_parser(arith.clone()).boxed(), arith };
        arith_parser(&ex)
    })
    .boxed()
}

/// `lambda` or a conditional expression: the top of the expression grammar.
fn expr_top<'t, I>(ex: &Exprs<'t, I>) -> Rec<'t, I, Expr>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let lambda = kw(Kw::Lambda)
        .ignore_then(params(ex, false))
        .then_ignore(op(Op::Colon))
        .then(ex.expr.clone())
        .map_with(|(params, body), e| {
            Expr::new(ExprKind::Lambda { params: Box::new(params), body: Box::new(body) }, sp(e.span()))
        });
    let ternary = ex
        .or_test
        .clone()
        .then(kw(Kw::If).ignore_then(ex.or_test.clone()).then_ignore(kw(Kw::Else)).then(ex.expr.clone()).or_not())
        .map_with(|(body, rest), e| match rest {
            None => body,
            Some((test, orelse)) => Expr::new(
                ExprKind::IfExp { test: Box::new(test), body: Box::new(body), orelse: Box::new(orelse) },
                sp(e.span()),
            ),
        });
    lambda.or(ternary).labelled("an expression").boxed()
}

/// `or` / `and` / `not` / comparisons over the arithmetic layer.
fn or_test_parser<'t, I>(arith: Rec<'t, I, Expr>) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let cmp_op = choice((
        op(Op::EqEq).to(CmpOp::Eq),
        op(Op::NotEq).to(CmpOp::NotEq),
        op(Op::LtE).to(CmpOp::LtE),
        op(Op::GtE).to(CmpOp::GtE),
        op(Op::Lt).to(CmpOp::Lt),
        op(Op::Gt).to(CmpOp::Gt),
        kw(Kw::In).to(CmpOp::In),
        kw(Kw::Not).then(kw(Kw::In)).to(CmpOp::NotIn),
        kw(Kw::Is).then(kw(Kw::Not)).to(CmpOp::IsNot),
        kw(Kw::Is).to(CmpOp::Is),
    ));
    let comparison = arith
        .clone()
        .then(cmp_op.then(arith).repeated().collect::<Vec<_>>())
        .map_with(|(left, rest), e| {
            if rest.is_empty() {
                left
            } else {
                let (ops, comparators) = rest.into_iter().unzip();
                Expr::new(
                    ExprKind::Compare { left: Box::new(left), ops, comparators },
                    sp(e.span()),
                )
            }
        });
    let not_test = recursive(|not_test| {
        kw(Kw::Not)
            .ignore_then(not_test)
            .map_with(|x, e| {
                Expr::new(
                    ExprKind::UnaryOp { op: UnaryOp::Not, operand: Box::new(x) },
                    sp(e.span()),
                )
            })
            .or(comparison)
    });
    let bool_chain = |inner: chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>, k: Kw, o: BoolOp| {
        inner
            .clone()
            .separated_by(kw(k))
            .at_least(1)
            .collect::<Vec<_>>()
            .map_with(move |mut values, e| {
                if values.len() == 1 {
                    values.pop().unwrap_or_else(|| {
                        Expr::new(ExprKind::Constant(Constant::None), sp(e.span()))
                    })
                } else {
                    Expr::new(ExprKind::BoolOp { op: o, values }, sp(e.span()))
                }
            })
            .boxed()
    };
    let and_test = bool_chain(not_test.boxed(), Kw::And, BoolOp::And);
    bool_chain(and_test, Kw::Or, BoolOp::Or)
}

/// Python's arithmetic and bitwise precedence table, as a Pratt parser.
fn arith_parser<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let primary = primary_parser(ex);
    let bin = |l: Expr, o: BinOp, r: Expr, s: SimpleSpan| {
        Expr::new(ExprKind::BinOp { left: Box::new(l), op: o, right: Box::new(r) }, sp(s))
    };
    let un = |o: UnaryOp, x: Expr, s: SimpleSpan| {
        Expr::new(ExprKind::UnaryOp { op: o, operand: Box::new(x) }, sp(s))
    };
    let b = move |tok: Op, o: BinOp, prec: u16| {
        infix(
            left(prec),
            op(tok),
            move |l, _, r, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                bin(l, o, r, e.span())
            },
        )
    };
    primary
        .pratt((
            b(Op::Pipe, BinOp::BitOr, 1),
            b(Op::Caret, BinOp::BitXor, 2),
            b(Op::Amp, BinOp::BitAnd, 3),
            b(Op::LShift, BinOp::LShift, 4),
            b(Op::RShift, BinOp::RShift, 4),
            b(Op::Plus, BinOp::Add, 5),
            b(Op::Minus, BinOp::Sub, 5),
            b(Op::Star, BinOp::Mult, 6),
            b(Op::Slash, BinOp::Div, 6),
            b(Op::DoubleSlash, BinOp::FloorDiv, 6),
            b(Op::Percent, BinOp::Mod, 6),
            b(Op::At, BinOp::MatMult, 6),
            prefix(
                7,
                op(Op::Minus),
                move |_, x, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                    un(UnaryOp::Neg, x, e.span())
                },
            ),
            prefix(
                7,
                op(Op::Plus),
                move |_, x, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                    un(UnaryOp::Pos, x, e.span())
                },
            ),
            prefix(
                7,
                op(Op::Tilde),
                move |_, x, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                    un(UnaryOp::Invert, x, e.span())
                },
            ),
            infix(
                right(8),
                op(Op::DoubleStar),
                move |l, _, r, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                    bin(l, BinOp::Pow, r, e.span())
                },
            ),
        ))
        .boxed()
}

/// Atoms followed by calls, subscripts and attribute accesses; `await`.
fn primary_parser<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let atom = atom_parser(ex);
    let named = named_expr(expr.clone());

    #[derive(Clone)]
    enum Arg {
        Pos(Expr),
        Kw(Keyword),
    }
    let arg = choice((
        op(Op::DoubleStar)
            .ignore_then(expr.clone())
            .map_with(|value, e| Arg::Kw(Keyword { name: None, value, span: sp(e.span()) })),
        op(Op::Star)
            .ignore_then(expr.clone())
            .map_with(|x, e| Arg::Pos(Expr::new(ExprKind::Starred(Box::new(x)), sp(e.span())))),
        name().then_ignore(op(Op::Eq)).then(expr.clone()).map_with(|(n, value), e| {
            Arg::Kw(Keyword { name: Some(n), value, span: sp(e.span()) })
        }),
        named.clone().then(comp_for(ex).or_not()).map_with(|(x, comp), e| match comp {
            None => Arg::Pos(x),
            Some(generators) => Arg::Pos(Expr::new(
                ExprKind::GeneratorExp { elt: Box::new(x), generators },
                sp(e.span()),
            )),
        }),
    ));
    let call_args = arg
        .separated_by(op(Op::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(op(Op::LParen), op(Op::RParen).labelled("`)`"))
        .validate(|args, _, emitter| {
            let mut pos = Vec::new();
            let mut kws: Vec<Keyword> = Vec::new();
            for a in args {
                match a {
                    Arg::Pos(x) => {
                        if let Some(k) = kws.last() {
                            if k.name.is_some() || !matches!(x.kind, ExprKind::Starred(_)) {
                                let msg = if k.name.is_none() {
                                    "positional argument follows keyword argument unpacking"
                                } else {
                                    "positional argument follows keyword argument"
                                };
                                if !matches!(x.kind, ExprKind::Starred(_)) {
                                    emitter.emit(custom(x.span.range().into(), msg));
                                }
                            }
                        }
                        pos.push(x);
                    }
                    Arg::Kw(k) => {
                        if let Some(n) = &k.name {
                            if kws.iter().any(|o| o.name.as_ref() == Some(n)) {
                                emitter.emit(custom(
                                    k.span.range().into(),
                                    format!("keyword argument repeated: {n}"),
                                ));
                            }
                        }
                        kws.push(k);
                    }
                }
            }
            (pos, kws)
        });

    // One subscript item: a slice `a:b:c` or an expression. The lower bound
    // is parsed once; a following `:` makes it a slice.
    let opt = |p: chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>| p.or_not().map(|x| x.map(Box::new));
    let slice_rest = op(Op::Colon)
        .ignore_then(opt(expr.clone().boxed()))
        .then(op(Op::Colon).ignore_then(opt(expr.clone().boxed())).or_not());
    let sub_item = star_or(named.clone())
        .or_not()
        .then(slice_rest.or_not())
        .try_map(|(lower, rest), span| match (lower, rest) {
            (lower, Some((upper, step))) => Ok(Expr::new(
                ExprKind::Slice { lower: lower.map(Box::new), upper, step: step.flatten() },
                sp(span),
            )),
            (Some(x), None) => Ok(x),
            (None, None) => Err(custom(span, "expected an index or a slice")),
        });
    let subscript = sub_item
        .separated_by(op(Op::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .then(op(Op::Comma).or_not())
        .map_with(|(mut items, trailing), e| {
            if items.len() == 1 && trailing.is_none() {
                items.pop().unwrap_or_else(|| Expr::new(ExprKind::Tuple(vec![]), sp(e.span())))
            } else {
                Expr::new(ExprKind::Tuple(items), sp(e.span()))
            }
        })
        .delimited_by(op(Op::LBracket), op(Op::RBracket).labelled("`]`"));

    #[derive(Clone)]
    enum Post {
        Call(Vec<Expr>, Vec<Keyword>),
        Sub(Expr),
        Attr(Name),
    }
    let postfix = choice((
        call_args.map(|(a, k)| Post::Call(a, k)),
        subscript.map(Post::Sub),
        op(Op::Dot).ignore_then(name().labelled("an attribute name")).map(Post::Attr),
    ))
    .map_with(|p, e| (p, e.span()));

    let primary = atom.foldl(postfix.repeated(), |base: Expr, (p, s): (Post, SimpleSpan)| {
        let span = base.span.to(sp(s));
        let kind = match p {
            Post::Call(args, keywords) => ExprKind::Call { func: Box::new(base), args, keywords },
            Post::Sub(index) => {
                ExprKind::Subscript { value: Box::new(base), index: Box::new(index) }
            }
            Post::Attr(attr) => ExprKind::Attribute { value: Box::new(base), attr },
        };
        Expr::new(kind, span)
    });
    kw(Kw::Await)
        .ignore_then(primary.clone())
        .map_with(|x, e| Expr::new(ExprKind::Await(Box::new(x)), sp(e.span())))
        .or(primary)
        .boxed()
}

fn atom_parser<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let named = named_expr(expr.clone());
    let elem = star_or(named.clone()).boxed();
    let comps = comp_for(ex);

    let constant = select! {
        Token::Name(n) => ExprKind::Name(n),
        Token::Int(i) => ExprKind::Constant(Constant::Int(i)),
        Token::BigInt(i) => ExprKind::Constant(Constant::BigInt(i)),
        Token::Float(f) => ExprKind::Constant(Constant::Float(f)),
        Token::Kw(Kw::None) => ExprKind::Constant(Constant::None),
        Token::Kw(Kw::True) => ExprKind::Constant(Constant::Bool(true)),
        Token::Kw(Kw::False) => ExprKind::Constant(Constant::Bool(false)),
        Token::Op(Op::Ellipsis) => ExprKind::Constant(Constant::Ellipsis),
    }
    .map_with(|k, e| Expr::new(k, sp(e.span())));

    let strings = string_parts(ex).repeated().at_least(1).collect::<Vec<Vec<FPart>>>().map_with(
        |pieces, e| {
            let is_f = pieces.iter().any(|p| p.iter().any(|x| matches!(x, FPart::Field(_))));
            let mut parts: Vec<FPart> = Vec::new();
            for piece in pieces {
                for part in piece {
                    match (parts.last_mut(), part) {
                        (Some(FPart::Literal(a)), FPart::Literal(b)) => a.push_str(&b),
                        (_, p) => parts.push(p),
                    }
                }
            }
            let kind = if is_f {
                ExprKind::FString(parts)
            } else {
                let s = match parts.pop() {
                    Some(FPart::Literal(s)) => s,
                    _ => String::new(),
                };
                ExprKind::Constant(Constant::Str(s))
            };
            Expr::new(kind, sp(e.span()))
        },
    );

    // Each bracket form parses its first element exactly once and lets the
    // next token decide what it is: trying the alternatives one after the
    // other would re-parse the element per alternative, which is exponential
    // in the nesting depth.
    #[derive(Clone)]
    enum SeqTail {
        Comp(Vec<Comprehension>),
        More(Vec<Expr>),
        Single,
    }
    let rest_items = op(Op::Comma)
        .ignore_then(elem.clone().separated_by(op(Op::Comma)).allow_trailing().collect::<Vec<_>>())
        .map(SeqTail::More);
    let seq_tail = comps.clone().map(SeqTail::Comp).or(rest_items).or(empty().to(SeqTail::Single));

    // ( ... ): unit, parenthesised expression, tuple, generator expression.
    let paren = elem
        .clone()
        .then(seq_tail.clone())
        .validate(|(first, tail), e, emitter| match tail {
            SeqTail::Comp(generators) => {
                if matches!(first.kind, ExprKind::Starred(_)) {
                    emitter.emit(custom(e.span(), "iterable unpacking cannot be used in comprehension"));
                }
                Expr::new(ExprKind::GeneratorExp { elt: Box::new(first), generators }, sp(e.span()))
            }
            SeqTail::More(rest) => {
                let mut items = vec![first];
                items.extend(rest);
                Expr::new(ExprKind::Tuple(items), sp(e.span()))
            }
            SeqTail::Single => {
                if matches!(first.kind, ExprKind::Starred(_)) {
                    emitter.emit(custom(e.span(), "cannot use starred expression here"));
                }
                first
            }
        })
        .or_not()
        .delimited_by(op(Op::LParen), op(Op::RParen).labelled("`)`"))
        .map_with(|x, e| match x {
            // The parenthesised expression's span widens to the parentheses.
            Some(mut x) => {
                x.span = sp(e.span());
                x
            }
            None => Expr::new(ExprKind::Tuple(vec![]), sp(e.span())),
        });

    let list = elem
        .clone()
        .then(seq_tail)
        .validate(|(first, tail), e, emitter| match tail {
            SeqTail::Comp(generators) => {
                if matches!(first.kind, ExprKind::Starred(_)) {
                    emitter.emit(custom(e.span(), "iterable unpacking cannot be used in comprehension"));
                }
                ExprKind::ListComp { elt: Box::new(first), generators }
            }
            SeqTail::More(rest) => {
                let mut items = vec![first];
                items.extend(rest);
                ExprKind::List(items)
            }
            SeqTail::Single => ExprKind::List(vec![first]),
        })
        .or_not()
        .delimited_by(op(Op::LBracket), op(Op::RBracket).labelled("`]`"))
        .map_with(|k, e| Expr::new(k.unwrap_or(ExprKind::List(vec![])), sp(e.span())));

    // { ... }: dict, set, and their comprehensions. Every item is parsed once
    // by one item parser (`**m`, `k: v` or `x`); consistency is checked after.
    #[derive(Clone)]
    enum Item {
        Spread(Expr),
        Pair(Expr, Expr),
        Elem(Expr),
    }
    let item = op(Op::DoubleStar)
        .ignore_then(ex.arith.clone())
        .map(Item::Spread)
        .or(elem.clone().then(op(Op::Colon).ignore_then(expr.clone()).or_not()).map(|(k, v)| match v {
            Some(v) => Item::Pair(k, v),
            None => Item::Elem(k),
        }))
        .boxed();
    #[derive(Clone)]
    enum BraceTail {
        Comp(Vec<Comprehension>),
        Rest(Vec<Item>),
    }
    let brace_tail = comps
        .clone()
        .map(BraceTail::Comp)
        .or(op(Op::Comma)
            .ignore_then(item.clone().separated_by(op(Op::Comma)).allow_trailing().collect::<Vec<_>>())
            .map(BraceTail::Rest))
        .or(empty().to(BraceTail::Rest(Vec::new())));
    let braces = item
        .then(brace_tail)
        .validate(|(first, tail), e, emitter| {
            let span = e.span();
            let mut bad = |msg: &str| emitter.emit(custom(span, msg.to_string()));
            match tail {
                BraceTail::Comp(generators) => match first {
                    Item::Pair(k, v) => ExprKind::DictComp { key: Box::new(k), value: Box::new(v), generators },
                    Item::Elem(x) => ExprKind::SetComp { elt: Box::new(x), generators },
                    Item::Spread(x) => {
                        bad("dict unpacking cannot be used in dict comprehension");
                        ExprKind::SetComp { elt: Box::new(x), generators }
                    }
                },
                BraceTail::Rest(rest) => {
                    let is_dict = !matches!(first, Item::Elem(_));
                    let mut pairs = Vec::new();
                    let mut elems = Vec::new();
                    for it in std::iter::once(first).chain(rest) {
                        match (it, is_dict) {
                            (Item::Pair(k, v), true) => pairs.push((Some(k), v)),
                            (Item::Spread(v), true) => pairs.push((None, v)),
                            (Item::Elem(x), false) => elems.push(x),
                            (_, true) => bad("expected `key: value` in a dict display"),
                            (_, false) => bad("cannot mix set items and `key: value` pairs in one display"),
                        }
                    }
                    if is_dict { ExprKind::Dict(pairs) } else { ExprKind::Set(elems) }
                }
            }
        })
        .or_not()
        .delimited_by(op(Op::LBrace), op(Op::RBrace).labelled("`}`"))
        .map_with(|k, e| Expr::new(k.unwrap_or(ExprKind::Dict(vec![])), sp(e.span())));

    let yield_expr = kw(Kw::Yield).map_with(|_, e| e.span()).try_map(|s, _| {
        Err(custom(s, left_out_hint(Kw::Yield).map_or("not available", |h| h.0)))
    });

    choice((constant, strings, paren, list, braces, yield_expr)).labelled("an expression").boxed()
}

/// One string literal token sequence: a plain string, or an f-string.
fn string_parts<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Vec<FPart>, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let plain = select! { Token::Str(s) => vec![FPart::Literal(s.to_string())] };
    let field_expr = expr_list(expr.clone(), true);
    let fstring = recursive(|fstring_body: Recursive<dyn Parser<'t, I, Vec<FPart>, Extra<'t>>>| {
        let middle = select! { Token::FMiddle(s) => FPart::Literal(s.to_string()) };
        let conversion = op(Op::Bang).ignore_then(select! { Token::Name(n) => n }).try_map(
            |n, s| match n.as_str() {
                "r" => Ok('r'),
                "s" => Ok('s'),
                "a" => Ok('a'),
                _ => Err(custom(
                    s,
                    format!(
                        "f-string: invalid conversion character {n:?}: expected 's', 'r', or 'a'"
                    ),
                )),
            },
        );
        let field = field_expr
            .clone()
            .then(select! { Token::FDebug(t) => t.to_string() }.or_not())
            .then(conversion.or_not())
            .then(op(Op::Colon).ignore_then(fstring_body.clone()).or_not())
            .delimited_by(op(Op::LBrace), op(Op::RBrace).labelled("`}`"))
            .map(|(((value, debug_text), conversion), format_spec)| {
                // `f"{x=}"` prints repr(x) unless a conversion or spec says otherwise.
                let conversion = conversion.or(if debug_text.is_some() && format_spec.is_none() {
                    Some('r')
                } else {
                    None
                });
                FPart::Field(Box::new(FField { value, debug_text, conversion, format_spec }))
            });
        middle.or(field).repeated().collect::<Vec<_>>()
    });
    // A field's `debug_text` (from `f"{x=}"`) stays on the field: the
    // interpreter prints it before the value, and the printer re-emits `=`.
    let f = just(Token::FStart).ignore_then(fstring).then_ignore(just(Token::FEnd));
    plain.or(f).boxed()
}
