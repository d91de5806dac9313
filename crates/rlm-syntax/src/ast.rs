//! The abstract syntax tree.
//!
//! Shaped after CPython's `ast` module (so that the interpreter can follow
//! Python's semantics node by node), restricted to what the DSL supports. Every
//! node carries the byte span it came from; names are `SmolStr` (inline for
//! the short names programs use, cheap to clone into environments).

use smol_str::SmolStr;

use crate::Span;

pub type Name = SmolStr;

/// A whole program (one REPL cell).
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect (`print(x)`).
    Expr(Expr),
    /// `a = b = value`: every target gets the value, left to right.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// `target op= value`.
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    /// `target: annotation [= value]`. The annotation is kept but has no effect.
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    FunctionDef(Box<FunctionDef>),
    Return(Option<Expr>),
    Pass,
    Break,
    Continue,
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    /// `import a, b as c`.
    Import(Vec<Alias>),
    /// `from module import a, b as c` (`names` empty means `*`).
    ImportFrom {
        module: Name,
        names: Vec<Alias>,
    },
    Delete(Vec<Expr>),
    /// `async with a as x, b: body` (PEP 492): each item's manager is
    /// entered in turn (`await m.__aenter__()`) and left in reverse
    /// (`await m.__aexit__(...)`), as nested statements would be.
    AsyncWith {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
}

/// One `manager [as target]` of an `async with`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    pub context_expr: Expr,
    pub optional_vars: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: Name,
    pub params: Params,
    pub body: Vec<Stmt>,
    pub is_async: bool,
    /// The `-> annotation`, kept for printing; no effect.
    pub returns: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// Dotted module or plain name.
    pub name: Name,
    pub asname: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExceptHandler {
    /// `None` for a bare `except:`.
    pub typ: Option<Expr>,
    pub name: Option<Name>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// Parameters of a `def` or `lambda`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// Positional-or-keyword parameters, in order.
    pub args: Vec<Param>,
    /// `*args`.
    pub vararg: Option<Param>,
    /// Keyword-only parameters (after `*` or `*args`).
    pub kwonly: Vec<Param>,
    /// `**kwargs`.
    pub kwarg: Option<Param>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Name,
    pub default: Option<Expr>,
    /// Kept for printing; no effect.
    pub annotation: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    None,
    Bool(bool),
    Int(i64),
    /// An integer literal too large for `i64`, as decimal digits.
    BigInt(SmolStr),
    Float(f64),
    Str(String),
    Ellipsis,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Name(Name),
    Constant(Constant),
    /// An f-string (or a concatenation of strings that includes one).
    FString(Vec<FPart>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    /// `{k: v, **m}`: a `None` key marks a `**m` spread.
    Dict(Vec<(Option<Expr>, Expr)>),
    /// `*x` in a list, tuple, set, call or assignment target.
    Starred(Box<Expr>),
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `a and b and c` / `a or b`.
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    /// `a < b <= c`: chained comparisons keep all operands.
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Lambda {
        params: Box<Params>,
        body: Box<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    Attribute {
        value: Box<Expr>,
        attr: Name,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// `lower:upper:step`, only as (part of) a subscript index.
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    SetComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    GeneratorExp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    Await(Box<Expr>),
    /// `name := value`.
    NamedExpr {
        target: Name,
        value: Box<Expr>,
    },
}

/// One part of an f-string.
#[derive(Debug, Clone, PartialEq)]
pub enum FPart {
    Literal(String),
    Field(Box<FField>),
}

/// A replacement field `{value[=][!conversion][:format_spec]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct FField {
    pub value: Expr,
    /// For `f"{x=}"`: the text printed before the value (`x=`).
    pub debug_text: Option<String>,
    /// `'r'`, `'s'` or `'a'`.
    pub conversion: Option<char>,
    /// The format spec, itself an f-string (it may hold nested fields).
    pub format_spec: Option<Vec<FPart>>,
}

/// `name=value` or `**value` (name `None`) in a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    pub name: Option<Name>,
    pub value: Expr,
    pub span: Span,
}

/// `for target in iter if cond ...` inside a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mult,
    MatMult,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mult => "*",
            BinOp::MatMult => "@",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

impl UnaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Not => "not",
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Invert => "~",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoolOp {
    And,
    Or,
}

impl BoolOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BoolOp::And => "and",
            BoolOp::Or => "or",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtE => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}
