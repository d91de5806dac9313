// The grammar's expressions, as chumsky combinators over the lexer's tokens:
// `lambda` and conditionals, `or`/`and`/`not` and comparisons, the Pratt table
// of arithmetic and bitwise operators, primaries, atoms and string literals.
//
// `include!`d after `statements.rs`, in the same module (see its header).

type Rec<'t, I, O> = chumsky::Boxed<'t, 't, I, O, Extra<'t>>;

/// The expression grammar's recursive layers, shared by the rules below: the
/// full expression (`lambda`, conditional), `or_test` (what comprehensions
/// iterate over) and the arithmetic layer (assignment-like targets).
pub(crate) struct Exprs<'t, I: ValueInput<'t, Token = Tok, Span = SimpleSpan>> {
    pub expr: Rec<'t, I, Expr>,
    pub or_test: Rec<'t, I, Expr>,
    pub arith: Rec<'t, I, Expr>,
}

impl<'t, I> Exprs<'t, I>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
        .then(
            guard(|t| {
                matches!(
                    t,
                    Tok::Op(Op::EqEq | Op::NotEq | Op::LtE | Op::GtE | Op::Lt | Op::Gt)
                        | Tok::Kw(Kw::In | Kw::Not | Kw::Is)
                )
            })
            .ignore_then(cmp_op)
            .then(arith)
            .repeated()
            .collect::<Vec<_>>(),
        )
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
    // The first operand, then `op operand` pairs: a lone operand (almost
    // always) allocates no list (as `separated_by` would: a failed operand
    // after `and` leaves the `and` unread either way).
    let bool_chain = |inner: chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>, k: Kw, o: BoolOp| {
        inner
            .clone()
            .then(kw(k).ignore_then(inner).repeated().collect::<Vec<_>>())
            .map_with(move |(first, rest), e| {
                if rest.is_empty() {
                    first
                } else {
                    let mut values = Vec::with_capacity(rest.len() + 1);
                    values.push(first);
                    values.extend(rest);
                    Expr::new(ExprKind::BoolOp { op: o, values }, sp(e.span()))
                }
            })
            .boxed()
    };
    let and_test = bool_chain(not_test.boxed(), Kw::And, BoolOp::And);
    bool_chain(and_test, Kw::Or, BoolOp::Or)
}

/// Python's arithmetic and bitwise operators over the primaries: each pass's
/// `binary_operators` (a Pratt table in `arith_pratt.rs`, precedence climbing
/// over a flat list in `arith_climb.rs`; the same trees).
fn arith_parser<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    binary_operators(primary_parser(ex))
}

/// Atoms followed by calls, subscripts and attribute accesses; `await`.
fn primary_parser<'t, I>(ex: &Exprs<'t, I>) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
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
            // `a[*x:y]` is invalid in CPython: a starred item is not a slice bound.
            (Some(x), Some(_)) if matches!(x.kind, ExprKind::Starred(_)) => {
                Err(custom(x.span.range().into(), "cannot use a starred expression as a slice bound"))
            }
            (lower, Some((upper, step))) => Ok(Expr::new(
                ExprKind::Slice { lower: lower.map(Box::new), upper, step: step.flatten() },
                sp(span),
            )),
            (Some(x), None) => Ok(x),
            (None, None) => Err(custom(span, "expected an index or a slice")),
        });
    let subscript = sub_item
        .clone()
        .then(op(Op::Comma).ignore_then(sub_item).repeated().collect::<Vec<_>>())
        .then(op(Op::Comma).or_not())
        .map_with(|((first, rest), trailing), e| {
            if rest.is_empty() && trailing.is_none() {
                first
            } else {
                Expr::new(ExprKind::Tuple(std::iter::once(first).chain(rest).collect()), sp(e.span()))
            }
        })
        .delimited_by(op(Op::LBracket), op(Op::RBracket).labelled("`]`"));

    #[derive(Clone)]
    enum Post {
        Call(Vec<Expr>, Vec<Keyword>),
        Sub(Expr),
        Attr(Name),
    }
    let postfix = guard(|t| matches!(t, Tok::Op(Op::LParen | Op::LBracket | Op::Dot))).ignore_then(choice((
        call_args.map(|(a, k)| Post::Call(a, k)),
        subscript.map(Post::Sub),
        op(Op::Dot).ignore_then(name().labelled("an attribute name")).map(Post::Attr),
    )))
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let named = named_expr(expr.clone());
    let elem = star_or(named.clone()).boxed();
    let comps = comp_for(ex);

    let constant = select! {
        Tok::Name(n) = e => ExprKind::Name(text(e).get(n)),
        Tok::Int(i) => ExprKind::Constant(Constant::Int(i)),
        Tok::BigInt(i) = e => ExprKind::Constant(Constant::BigInt(text(e).get(i))),
        Tok::Float(f) => ExprKind::Constant(Constant::Float(f)),
        Tok::Kw(Kw::None) => ExprKind::Constant(Constant::None),
        Tok::Kw(Kw::True) => ExprKind::Constant(Constant::Bool(true)),
        Tok::Kw(Kw::False) => ExprKind::Constant(Constant::Bool(false)),
        Tok::Op(Op::Ellipsis) => ExprKind::Constant(Constant::Ellipsis),
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
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    let expr = ex.expr.clone();
    let plain = select! { Tok::Str(s) = e => vec![FPart::Literal(text(e).str(s).to_string())] };
    let field_expr = expr_list(expr.clone(), true);
    let fstring = recursive(|fstring_body: Recursive<dyn Parser<'t, I, Vec<FPart>, Extra<'t>>>| {
        let middle = select! { Tok::FMiddle(s) = e => FPart::Literal(text(e).str(s).to_string()) };
        let conversion = op(Op::Bang).ignore_then(select! { Tok::Name(n) = e => text(e).get(n) }).try_map(
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
            .then(select! { Tok::FDebug(t) = e => text(e).str(t).to_string() }.or_not())
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
    let f = just(Tok::FStart).ignore_then(fstring).then_ignore(just(Tok::FEnd));
    plain.or(f).boxed()
}
