//! Tokens produced by the lexer and consumed by the parser.
//!
//! The token set follows CPython's tokenizer, including PEP 701's split of
//! f-strings into `FStart`, `FMiddle` and `FEnd` tokens with ordinary tokens
//! for the replacement fields, so that the parser (not the lexer) parses the
//! expressions inside `{...}`.

use std::fmt;

use smol_str::SmolStr;

/// A reserved word of Python 3 (all of them, so that the ones we leave out
/// can be reported as such instead of as unknown names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    False,
    None,
    True,
    And,
    As,
    Assert,
    Async,
    Await,
    Break,
    Class,
    Continue,
    Def,
    Del,
    Elif,
    Else,
    Except,
    Finally,
    For,
    From,
    Global,
    If,
    Import,
    In,
    Is,
    Lambda,
    Nonlocal,
    Not,
    Or,
    Pass,
    Raise,
    Return,
    Try,
    While,
    With,
    Yield,
}

impl Keyword {
    pub fn from_word(s: &str) -> Option<Keyword> {
        use Keyword::*;
        Some(match s {
            "False" => False,
            "None" => None,
            "True" => True,
            "and" => And,
            "as" => As,
            "assert" => Assert,
            "async" => Async,
            "await" => Await,
            "break" => Break,
            "class" => Class,
            "continue" => Continue,
            "def" => Def,
            "del" => Del,
            "elif" => Elif,
            "else" => Else,
            "except" => Except,
            "finally" => Finally,
            "for" => For,
            "from" => From,
            "global" => Global,
            "if" => If,
            "import" => Import,
            "in" => In,
            "is" => Is,
            "lambda" => Lambda,
            "nonlocal" => Nonlocal,
            "not" => Not,
            "or" => Or,
            "pass" => Pass,
            "raise" => Raise,
            "return" => Return,
            "try" => Try,
            "while" => While,
            "with" => With,
            "yield" => Yield,
            _ => return Option::None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use Keyword::*;
        match self {
            False => "False",
            None => "None",
            True => "True",
            And => "and",
            As => "as",
            Assert => "assert",
            Async => "async",
            Await => "await",
            Break => "break",
            Class => "class",
            Continue => "continue",
            Def => "def",
            Del => "del",
            Elif => "elif",
            Else => "else",
            Except => "except",
            Finally => "finally",
            For => "for",
            From => "from",
            Global => "global",
            If => "if",
            Import => "import",
            In => "in",
            Is => "is",
            Lambda => "lambda",
            Nonlocal => "nonlocal",
            Not => "not",
            Or => "or",
            Pass => "pass",
            Raise => "raise",
            Return => "return",
            Try => "try",
            While => "while",
            With => "with",
            Yield => "yield",
        }
    }
}

/// Operators and delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Semi,
    Dot,
    Ellipsis,
    Arrow,
    At,
    Eq,
    Walrus,
    Plus,
    Minus,
    Star,
    DoubleStar,
    Slash,
    DoubleSlash,
    Percent,
    Amp,
    Pipe,
    Caret,
    Tilde,
    LShift,
    RShift,
    /// `!` only exists as the conversion marker of an f-string field.
    Bang,
    EqEq,
    NotEq,
    Lt,
    Gt,
    LtE,
    GtE,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    DoubleSlashEq,
    PercentEq,
    DoubleStarEq,
    AmpEq,
    PipeEq,
    CaretEq,
    LShiftEq,
    RShiftEq,
    AtEq,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        use Op::*;
        match self {
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Comma => ",",
            Colon => ":",
            Semi => ";",
            Dot => ".",
            Ellipsis => "...",
            Arrow => "->",
            At => "@",
            Eq => "=",
            Walrus => ":=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            DoubleStar => "**",
            Slash => "/",
            DoubleSlash => "//",
            Percent => "%",
            Amp => "&",
            Pipe => "|",
            Caret => "^",
            Tilde => "~",
            LShift => "<<",
            RShift => ">>",
            Bang => "!",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Gt => ">",
            LtE => "<=",
            GtE => ">=",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            DoubleSlashEq => "//=",
            PercentEq => "%=",
            DoubleStarEq => "**=",
            AmpEq => "&=",
            PipeEq => "|=",
            CaretEq => "^=",
            LShiftEq => "<<=",
            RShiftEq => ">>=",
            AtEq => "@=",
        }
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Name(SmolStr),
    Kw(Keyword),
    Op(Op),
    /// An integer literal that fits in an `i64`.
    Int(i64),
    /// An integer literal too large for an `i64`, as its decimal digits.
    BigInt(SmolStr),
    Float(f64),
    /// A plain (non-f) string literal, escapes already decoded. `SmolStr`
    /// because the parser clones tokens as it backtracks (inline when short,
    /// shared when long).
    Str(SmolStr),
    /// Start of an f-string.
    FStart,
    /// Literal text inside an f-string (escapes and `{{`/`}}` decoded).
    FMiddle(SmolStr),
    /// End of an f-string.
    FEnd,
    /// The `=` of a self-documenting field `f"{expr=}"`, carrying the exact
    /// source text `expr=` (with its spaces) that Python prints before the value.
    FDebug(SmolStr),
    Newline,
    Indent,
    Dedent,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(n) => write!(f, "name `{n}`"),
            Token::Kw(k) => write!(f, "`{}`", k.as_str()),
            Token::Op(o) => write!(f, "`{}`", o.as_str()),
            Token::Int(i) => write!(f, "number `{i}`"),
            Token::BigInt(i) => write!(f, "number `{i}`"),
            Token::Float(x) => write!(f, "number `{x}`"),
            Token::Str(_) => write!(f, "string"),
            Token::FStart => write!(f, "f-string"),
            Token::FMiddle(_) => write!(f, "f-string text"),
            Token::FEnd => write!(f, "end of f-string"),
            Token::FDebug(_) => write!(f, "`=`"),
            Token::Newline => write!(f, "end of line"),
            Token::Indent => write!(f, "indent"),
            Token::Dedent => write!(f, "dedent"),
        }
    }
}

/// The parser's token: a [`Token`] whose text (names, strings, f-string
/// pieces, big integers) sits in a [`Strings`] table, the token keeping its
/// index. Being `Copy`, it lets the fast pass read an owned token stream
/// (chumsky's `Stream`) at no more cost than a borrowed slice, which is what
/// allows its parser to be built once per thread (see `fast_parse`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok {
    Name(usize),
    Kw(Keyword),
    Op(Op),
    Int(i64),
    BigInt(usize),
    Float(f64),
    Str(usize),
    FStart,
    FMiddle(usize),
    FEnd,
    FDebug(usize),
    Newline,
    Indent,
    Dedent,
}

/// The text of one parse's tokens, indexed by [`Tok`]'s payloads.
#[derive(Debug, Default)]
pub(crate) struct Strings(Vec<SmolStr>);

impl Strings {
    /// The text at `i` (always present: the index came from [`intern`]).
    pub(crate) fn get(&self, i: usize) -> SmolStr {
        self.0.get(i).cloned().unwrap_or_default()
    }

    /// The text at `i`, borrowed.
    pub(crate) fn str(&self, i: usize) -> &str {
        self.0.get(i).map_or("", SmolStr::as_str)
    }

    /// The lexer's token for `t`, for error messages.
    pub(crate) fn token(&self, t: Tok) -> Token {
        match t {
            Tok::Name(i) => Token::Name(self.get(i)),
            Tok::Kw(k) => Token::Kw(k),
            Tok::Op(o) => Token::Op(o),
            Tok::Int(v) => Token::Int(v),
            Tok::BigInt(i) => Token::BigInt(self.get(i)),
            Tok::Float(x) => Token::Float(x),
            Tok::Str(i) => Token::Str(self.get(i)),
            Tok::FStart => Token::FStart,
            Tok::FMiddle(i) => Token::FMiddle(self.get(i)),
            Tok::FEnd => Token::FEnd,
            Tok::FDebug(i) => Token::FDebug(self.get(i)),
            Tok::Newline => Token::Newline,
            Tok::Indent => Token::Indent,
            Tok::Dedent => Token::Dedent,
        }
    }

    /// Move `t`'s text (if any) into the table; its parser token.
    pub(crate) fn intern(&mut self, t: Token) -> Tok {
        let mut put = |s: SmolStr| {
            self.0.push(s);
            self.0.len() - 1
        };
        match t {
            Token::Name(s) => Tok::Name(put(s)),
            Token::Kw(k) => Tok::Kw(k),
            Token::Op(o) => Tok::Op(o),
            Token::Int(v) => Tok::Int(v),
            Token::BigInt(s) => Tok::BigInt(put(s)),
            Token::Float(x) => Tok::Float(x),
            Token::Str(s) => Tok::Str(put(s)),
            Token::FStart => Tok::FStart,
            Token::FMiddle(s) => Tok::FMiddle(put(s)),
            Token::FEnd => Tok::FEnd,
            Token::FDebug(s) => Tok::FDebug(put(s)),
            Token::Newline => Tok::Newline,
            Token::Indent => Tok::Indent,
            Token::Dedent => Tok::Dedent,
        }
    }
}
