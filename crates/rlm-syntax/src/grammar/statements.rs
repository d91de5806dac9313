// The grammar's statements, as chumsky combinators over the lexer's tokens:
// the module, blocks, compound and simple statements, targets, parameters and
// comprehension clauses.
//
// This file and `expressions.rs` are `include!`d together, twice, by
// `parser.rs`: once with chumsky's zero-cost `EmptyErr` (the fast pass every
// program takes) and once with `Rich` errors (only for programs that failed, to
// explain why). Each includer defines `ErrT<'t>` and `custom(span, msg)`. Being
// included, they cannot carry a `//!` doc; `parser.rs` documents them. The
// shared imports and helpers live here, at the top of the first included file.

use chumsky::input::ValueInput;
use chumsky::prelude::*;

use crate::Span;
use crate::ast::*;
use crate::token::{Keyword as Kw, Op, Strings, Tok};

use crate::parser::{describe, left_out_hint};

/// The state is the token text's table: tokens carry indices into it.
pub(crate) type Extra<'t> = extra::Full<ErrT<'t>, State, ()>;
pub(crate) type State = chumsky::extra::SimpleState<Strings>;

fn sp(s: SimpleSpan) -> Span {
    Span::from(s)
}

/// The token text's table, from inside a `select!` (which cannot name the
/// type of its extra argument itself).
fn text<'t, 'p, I>(e: &'p mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>) -> &'p Strings
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    e.state()
}

fn op<'t, I>(o: Op) -> impl Parser<'t, I, Tok, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    just(Tok::Op(o))
}

fn kw<'t, I>(k: Kw) -> impl Parser<'t, I, Tok, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    just(Tok::Kw(k))
}

fn name<'t, I>() -> impl Parser<'t, I, Name, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    select! { Tok::Name(n) = e => text(e).get(n) }.labelled("a name")
}

/// The statement-list parser for a whole module.
pub(crate) fn module_parser<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    let ex = Exprs::<I>::new();
    let stmts = recursive(|stmts: Recursive<dyn Parser<'t, I, Vec<Stmt>, Extra<'t>>>| {
        let block = just(Tok::Newline)
            .ignore_then(just(Tok::Indent))
            .ignore_then(stmts.clone())
            .then_ignore(just(Tok::Dedent));
        let simple = simple_stmts(&ex);
        let suite = op(Op::Colon).labelled("`:`").ignore_then(block.or(simple.clone())).boxed();
        let stmt = compound_stmt(&ex, suite)
            .map(|s| vec![s])
            .or(left_out_stmt::<I>())
            .or(simple)
            .or(just(Tok::Indent)
                .map_with(|_, e| e.span())
                .validate(|s: SimpleSpan, _, emitter| {
                    emitter.emit(custom(s, "unexpected indent"));
                })
                .ignore_then(stmts.clone())
                .then_ignore(just(Tok::Dedent)))
            .recover_with(via_parser(skip_statement::<I>()));
        guard(|t| t != Tok::Dedent)
            .ignore_then(stmt)
            .repeated()
            .at_least(1)
            // Appended as they come: no list of lists (the first one is kept).
            .fold(Vec::new(), |mut all: Vec<Stmt>, mut some| {
                if all.is_empty() {
                    some
                } else {
                    all.append(&mut some);
                    all
                }
            })
    });
    just(Tok::Newline)
        .repeated()
        .ignore_then(stmts.or_not().map(Option::unwrap_or_default))
        .then_ignore(end())
}

/// On an error inside a statement: skip to the end of its line and any block
/// that follows, yielding no statement. The error itself was already recorded.
fn skip_statement<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    let block = recursive(|block| {
        just(Tok::Indent)
            .ignore_then(block.or(none_of([Tok::Indent, Tok::Dedent]).ignored()).repeated())
            .then_ignore(just(Tok::Dedent))
    });
    none_of([Tok::Newline, Tok::Indent, Tok::Dedent])
        .repeated()
        .at_least(1)
        .then(just(Tok::Newline))
        .then(block.or_not())
        .to(Vec::new())
}

/// `class`, `with`, `global`, ... : report with a hint, skip the line and its block.
fn left_out_stmt<'t, I>() -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    let head = select! {
        Tok::Kw(k) if left_out_hint(k).is_some() => k,
    }
    .map_with(|k, e| (Some(k), e.span()))
    .or(kw(Kw::Async).then(kw(Kw::For)).map_with(|_, e| (Some(Kw::Async), e.span())))
    .or(op(Op::At).map_with(|_, e| (None, e.span())));
    let starts = |t| match t {
        Tok::Kw(k) => k == Kw::Async || left_out_hint(k).is_some(),
        t => t == Tok::Op(Op::At),
    };
    guard(starts).ignore_then(head).validate(|(k, s): (Option<Kw>, SimpleSpan), _, emitter| {
        let msg = match k {
            Some(Kw::Async) => "`async for` is not available".to_string(),
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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

    let with_item = expr
        .clone()
        .then(kw(Kw::As).ignore_then(ex.arith.clone()).or_not())
        .map(|(context_expr, optional_vars)| WithItem { context_expr, optional_vars });
    let async_with = kw(Kw::Async)
        .then(kw(Kw::With))
        .ignore_then(with_item.separated_by(op(Op::Comma)).at_least(1).collect::<Vec<_>>())
        .then(suite.clone())
        .map_with(|(items, body), e| Stmt {
            kind: StmtKind::AsyncWith { items, body },
            span: sp(e.span()),
        });

    guard(|t| matches!(t, Tok::Kw(Kw::If | Kw::While | Kw::For | Kw::Try | Kw::Def | Kw::Async)))
        .ignore_then(choice((
            if_stmt,
            while_stmt,
            for_stmt,
            try_stmt,
            async_with.boxed(),
            def_stmt.boxed(),
        )))
        .boxed()
}

/// `small_stmt (';' small_stmt)* [';'] NEWLINE`
fn simple_stmts<'t, I>(
    ex: &Exprs<'t, I>,
) -> impl Parser<'t, I, Vec<Stmt>, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    small_stmt(ex)
        .separated_by(op(Op::Semi))
        .at_least(1)
        .allow_trailing()
        .collect::<Vec<_>>()
        .then_ignore(just(Tok::Newline).labelled("end of line"))
        .boxed()
}

fn dotted_name<'t, I>() -> impl Parser<'t, I, Name, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
{
    name()
        .separated_by(op(Op::Dot))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(|parts| Name::new(parts.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(".")))
}

fn small_stmt<'t, I>(ex: &Exprs<'t, I>) -> impl Parser<'t, I, Stmt, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
        Tok::Op(Op::PlusEq) => BinOp::Add,
        Tok::Op(Op::MinusEq) => BinOp::Sub,
        Tok::Op(Op::StarEq) => BinOp::Mult,
        Tok::Op(Op::SlashEq) => BinOp::Div,
        Tok::Op(Op::DoubleSlashEq) => BinOp::FloorDiv,
        Tok::Op(Op::PercentEq) => BinOp::Mod,
        Tok::Op(Op::DoubleStarEq) => BinOp::Pow,
        Tok::Op(Op::AmpEq) => BinOp::BitAnd,
        Tok::Op(Op::PipeEq) => BinOp::BitOr,
        Tok::Op(Op::CaretEq) => BinOp::BitXor,
        Tok::Op(Op::LShiftEq) => BinOp::LShift,
        Tok::Op(Op::RShiftEq) => BinOp::RShift,
        Tok::Op(Op::AtEq) => BinOp::MatMult,
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

    let keyword_led = |t| {
        matches!(
            t,
            Tok::Kw(
                Kw::Pass
                    | Kw::Break
                    | Kw::Continue
                    | Kw::Return
                    | Kw::Raise
                    | Kw::Assert
                    | Kw::Del
                    | Kw::Import
                    | Kw::From
            )
        )
    };
    guard(keyword_led)
        .ignore_then(choice((pass, brk, cont, ret, raise, assert, del, import, from)))
        .or(expr_or_assign)
        .boxed()
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
    E: Parser<'t, I, Expr, Extra<'t>> + Clone + 't,
{
    let item = if allow_star { star_or(expr.clone()).boxed() } else { expr.boxed() };
    // The first item, then `, item` pairs: a lone item allocates no list (a
    // failed item after a comma leaves the comma unread, as in `separated_by`).
    item.clone()
        .then(op(Op::Comma).ignore_then(item).repeated().collect::<Vec<_>>())
        .then(op(Op::Comma).or_not())
        .map_with(|((first, rest), trailing), e| {
            if rest.is_empty() && trailing.is_none() && !matches!(first.kind, ExprKind::Starred(_)) {
                first
            } else {
                Expr::new(ExprKind::Tuple(std::iter::once(first).chain(rest).collect()), sp(e.span()))
            }
        })
        .boxed()
}

/// `*x` or an expression.
fn star_or<'t, I, E>(expr: E) -> impl Parser<'t, I, Expr, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan>,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    expr_list(ex.arith.clone(), true)
}

/// Parameters of a `def` (annotations allowed) or a `lambda` (none).
fn params<'t, I>(
    ex: &Exprs<'t, I>,
    annotations: bool,
) -> impl Parser<'t, I, Params, Extra<'t>> + Clone + use<'t, I>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
