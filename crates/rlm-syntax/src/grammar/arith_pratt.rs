// The explaining pass's arithmetic and bitwise operators: Python's
// precedence table as a chumsky Pratt parser, which tries each operator in
// turn (what each expected is in the errors). `include!`d by `parser.rs`'s
// `rich` module; the fast pass builds the same trees in `arith_climb.rs`.

use chumsky::pratt::{infix, left, prefix, right};

/// The Pratt table over `primary`.
fn binary_operators<'t, I>(
    primary: chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>,
) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    let bin = |l: Expr, o: BinOp, r: Expr, s: SimpleSpan| {
        Expr::new(ExprKind::BinOp { left: Box::new(l), op: o, right: Box::new(r) }, sp(s))
    };
    let un = |o: UnaryOp, x: Expr, s: SimpleSpan| {
        Expr::new(ExprKind::UnaryOp { op: o, operand: Box::new(x) }, sp(s))
    };
    // One operator parser per precedence level.
    let level = move |prec: u16, ops: &'static [(Op, BinOp)]| {
        infix(
            left(prec),
            op_in(ops),
            move |l, o, r, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| {
                bin(l, o, r, e.span())
            },
        )
    };
    primary
        .pratt((
            level(1, &[(Op::Pipe, BinOp::BitOr)]),
            level(2, &[(Op::Caret, BinOp::BitXor)]),
            level(3, &[(Op::Amp, BinOp::BitAnd)]),
            level(4, &[(Op::LShift, BinOp::LShift), (Op::RShift, BinOp::RShift)]),
            level(5, &[(Op::Plus, BinOp::Add), (Op::Minus, BinOp::Sub)]),
            level(
                6,
                &[
                    (Op::Star, BinOp::Mult),
                    (Op::Slash, BinOp::Div),
                    (Op::DoubleSlash, BinOp::FloorDiv),
                    (Op::Percent, BinOp::Mod),
                    (Op::At, BinOp::MatMult),
                ],
            ),
            prefix(
                7,
                op_in(&[(Op::Minus, UnaryOp::Neg), (Op::Plus, UnaryOp::Pos), (Op::Tilde, UnaryOp::Invert)]),
                move |o, x, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| un(o, x, e.span()),
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

