// The fast pass's arithmetic and bitwise operators. Each operand (its prefix
// operators, then its primary) and each binary operator is read once into a
// flat list, which precedence climbing then builds into the tree the
// explaining pass's Pratt table (`arith_pratt.rs`) builds: the same binding
// powers, the same spans. The Pratt parser read the next token once per
// precedence level after every operand; this reads it once. `include!`d by
// `parser.rs`'s `fast` module.

/// A binary operator with its left and right binding powers.
type Binary = (BinOp, i32, i32);

/// Binary operators with chumsky's binding powers for the Pratt table's
/// `left(p)` (left 2p, right 2p + 1) and `right(p)` (2p + 1, 2p).
const BINARY: &[(Op, Binary)] = &[
    (Op::Pipe, (BinOp::BitOr, 2, 3)),
    (Op::Caret, (BinOp::BitXor, 4, 5)),
    (Op::Amp, (BinOp::BitAnd, 6, 7)),
    (Op::LShift, (BinOp::LShift, 8, 9)),
    (Op::RShift, (BinOp::RShift, 8, 9)),
    (Op::Plus, (BinOp::Add, 10, 11)),
    (Op::Minus, (BinOp::Sub, 10, 11)),
    (Op::Star, (BinOp::Mult, 12, 13)),
    (Op::Slash, (BinOp::Div, 12, 13)),
    (Op::DoubleSlash, (BinOp::FloorDiv, 12, 13)),
    (Op::Percent, (BinOp::Mod, 12, 13)),
    (Op::At, (BinOp::MatMult, 12, 13)),
    (Op::DoubleStar, (BinOp::Pow, 17, 16)),
];

/// Prefix operators; their operand binds as the table's `prefix(7)`: 14.
const PREFIX: &[(Op, UnaryOp)] =
    &[(Op::Minus, UnaryOp::Neg), (Op::Plus, UnaryOp::Pos), (Op::Tilde, UnaryOp::Invert)];
const PREFIX_OPERAND: i32 = 14;

/// An operand as read: its prefix operators (each with where it starts) and its primary.
type Operand = (Vec<(UnaryOp, usize)>, Expr);

/// Operands separated by binary operators over `primary`, as one tree.
fn binary_operators<'t, I>(
    primary: chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>,
) -> chumsky::Boxed<'t, 't, I, Expr, Extra<'t>>
where
    I: ValueInput<'t, Token = Tok, Span = SimpleSpan> + 't,
{
    let operand = op_in(PREFIX)
        .map_with(|o, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t>>| (o, e.span().start))
        .repeated()
        .collect::<Vec<_>>()
        .then(primary);
    // An operator whose operand fails is left unread, as the Pratt parser
    // leaves it.
    operand
        .clone()
        .then(op_in(BINARY).then(operand).repeated().collect::<Vec<_>>())
        .map(|((prefixes, primary), rest)| {
            if prefixes.is_empty() && rest.is_empty() {
                return primary;
            }
            let mut climb = Climb {
                prefixes: prefixes.into_iter(),
                primary: Some(primary),
                rest: rest.into_iter().peekable(),
            };
            climb.expr(i32::MIN)
        })
        .boxed()
}

/// The flat list being built into a tree: the current operand's prefix
/// operators not yet applied and its primary, and what follows it.
struct Climb {
    prefixes: std::vec::IntoIter<(UnaryOp, usize)>,
    primary: Option<Expr>,
    rest: std::iter::Peekable<std::vec::IntoIter<(Binary, Operand)>>,
}

impl Climb {
    /// chumsky's `pratt_go`: an operand (a prefix operator applies to the
    /// operand and the operators binding tighter than it), then the binary
    /// operators that bind at least `min`, left to right. It recurses as that
    /// does (per prefix operator and per rise in binding power), within the
    /// nesting budget the lexer counts for them.
    fn expr(&mut self, min: i32) -> Expr {
        let mut lhs = match self.prefixes.next() {
            Some((op, start)) => {
                let x = self.expr(PREFIX_OPERAND);
                let span = Span::new(start, x.span.end as usize);
                Expr::new(ExprKind::UnaryOp { op, operand: Box::new(x) }, span)
            }
            // Each operand has a primary, taken once (after its prefixes).
            None => self.primary.take().unwrap_or_else(|| {
                Expr::new(ExprKind::Constant(Constant::None), Span::new(0, 0))
            }),
        };
        while let Some(&((op, left, right), _)) = self.rest.peek() {
            if left < min {
                break;
            }
            let Some((_, (prefixes, primary))) = self.rest.next() else { break };
            self.prefixes = prefixes.into_iter();
            self.primary = Some(primary);
            let rhs = self.expr(right);
            let span = Span::new(lhs.span.start as usize, rhs.span.end as usize);
            lhs = Expr::new(ExprKind::BinOp { left: Box::new(lhs), op, right: Box::new(rhs) }, span);
        }
        lhs
    }
}
