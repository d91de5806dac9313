//! A hostile, structure-aware program generator (issue #33, item 5): turns
//! arbitrary bytes into a valid DSL program that calls every builtin
//! function, every method of every built-in type and the modules' functions
//! with adversarial arguments (huge sizes, big ints, deep and shared nesting,
//! callbacks, infinite iterators), inside loops of up to 10^6 iterations,
//! growing values until a limit trips. Every statement is wrapped in
//! `try/except Exception`, so ordinary errors do not end the program early:
//! only a sandbox limit (uncatchable) or the end of the input does.
//!
//! The builtin functions and the methods are read from the interpreter's own
//! tables (`builtins/mod.rs`'s `FUNCTIONS`, `types/method_arity.rs`'s
//! `METHOD_ARITY`, with the argument counts each method accepts), so a new
//! builtin or method is generated without touching this file. Module functions
//! are listed below (the modules keep theirs in code, not in one table).
//!
//! Shared by `fuzz/fuzz_targets/interp_hostile.rs` (cargo-fuzz) and
//! `tests/fuzz_smoke.rs` (a proptest in the normal suite).

#![allow(dead_code)]

use std::sync::OnceLock;

const BUILTINS_SRC: &str = include_str!("../../src/builtins/mod.rs");
const METHOD_ARITY_SRC: &str = include_str!("../../src/types/method_arity.rs");

/// Module functions (module, function), as their `attrs()` register them.
const MODULE_FUNCTIONS: &[(&str, &str)] = &[
    ("re", "compile"),
    ("re", "search"),
    ("re", "match"),
    ("re", "fullmatch"),
    ("re", "findall"),
    ("re", "finditer"),
    ("re", "sub"),
    ("re", "subn"),
    ("re", "split"),
    ("re", "escape"),
    ("json", "dumps"),
    ("json", "loads"),
    ("math", "sqrt"),
    ("math", "floor"),
    ("math", "log"),
    ("math", "exp"),
    ("math", "pow"),
    ("math", "gcd"),
    ("math", "lcm"),
    ("math", "factorial"),
    ("math", "comb"),
    ("math", "perm"),
    ("math", "prod"),
    ("math", "fsum"),
    ("math", "dist"),
    ("math", "isqrt"),
    ("math", "ldexp"),
    ("math", "fmod"),
    ("collections", "Counter"),
    ("collections", "defaultdict"),
    ("collections", "OrderedDict"),
    ("collections", "deque"),
    ("collections", "namedtuple"),
    ("itertools", "chain"),
    ("itertools", "islice"),
    ("itertools", "groupby"),
    ("itertools", "combinations"),
    ("itertools", "combinations_with_replacement"),
    ("itertools", "permutations"),
    ("itertools", "product"),
    ("itertools", "accumulate"),
    ("itertools", "count"),
    ("itertools", "cycle"),
    ("itertools", "repeat"),
    ("itertools", "zip_longest"),
    ("itertools", "takewhile"),
    ("itertools", "dropwhile"),
    ("itertools", "starmap"),
    ("itertools", "pairwise"),
    ("itertools", "compress"),
    ("itertools", "filterfalse"),
    ("itertools", "tee"),
    ("functools", "reduce"),
    ("functools", "partial"),
    ("functools", "cmp_to_key"),
    ("string", "capwords"),
    ("textwrap", "wrap"),
    ("textwrap", "fill"),
    ("textwrap", "dedent"),
    ("textwrap", "indent"),
    ("textwrap", "shorten"),
    ("asyncio", "gather"),
    ("asyncio", "sleep"),
    ("csv", "reader"),
    ("csv", "writer"),
    ("csv", "DictReader"),
    ("csv", "DictWriter"),
    ("io", "StringIO"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "timedelta"),
];

/// Builtins a generated program never calls: they only refuse (escapes) or
/// end the program (`FINAL`), which the escape suite covers.
const SKIPPED_BUILTINS: &[&str] = &["input", "dir", "FINAL", "FINAL_VAR", "SHOW_VARS"];

/// One method of a built-in type and the positional-argument counts it accepts.
pub struct Method {
    pub ty: String,
    pub name: String,
    pub arities: Vec<usize>,
}

/// What the generator calls, read from the interpreter's tables.
pub struct Catalog {
    pub builtins: Vec<String>,
    pub methods: Vec<Method>,
}

/// The quoted strings of `text`, in order (`\"` and `\\` unescaped).
fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                }
                '"' => break,
                _ => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

fn read_catalog() -> Catalog {
    let start = BUILTINS_SRC.find("const FUNCTIONS: &[&str] = &[").expect("FUNCTIONS table");
    let rest = &BUILTINS_SRC[start..];
    let table = &rest[..rest.find("];").expect("end of FUNCTIONS")];
    let builtins =
        quoted(table).into_iter().filter(|n| !SKIPPED_BUILTINS.contains(&n.as_str())).collect();
    let mut methods = Vec::new();
    for line in METHOD_ARITY_SRC.lines() {
        let line = line.trim();
        if !line.starts_with("(\"") {
            continue;
        }
        let q = quoted(line);
        if q.len() < 3 {
            continue;
        }
        let arities = q[2..].iter().enumerate().filter(|(_, m)| m.is_empty()).map(|(i, _)| i);
        methods.push(Method { ty: q[0].clone(), name: q[1].clone(), arities: arities.collect() });
    }
    Catalog { builtins, methods }
}

/// The interpreter's builtins and methods (read once).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(read_catalog)
}

/// The variable holding a value of each receiver type (bound by [`PRELUDE`]).
fn receiver(ty: &str) -> &'static str {
    match ty {
        "Counter" => "ct",
        "OrderedDict" => "od",
        "defaultdict" => "dd",
        "deque" => "dq",
        "dict" => "d",
        "float" => "fl",
        "frozenset" => "fs",
        "int" => "n",
        "list" => "xs",
        "range" => "rg",
        "set" => "st",
        "tuple" => "tp",
        _ => "s",
    }
}

/// Binds every variable the statements use; sizes are moderate, the
/// statements make them hostile.
pub const PRELUDE: &str = "\
import re, json, math, asyncio, csv, io, functools, itertools, textwrap, string, datetime
from collections import Counter, defaultdict, OrderedDict, deque
s = 'Hello, World 42'
big = 'ab ' * 20000
xs = [3, 1, 2]
ys = list(range(2000))
d = {'a': 1, 'b': [1, 2]}
st = {1, 2, 3}
fs = frozenset(st)
tp = (1, 'x', None)
rg = range(10)
n = 7
fl = 2.5
ct = Counter('mississippi')
od = OrderedDict(a=1, b=2)
dd = defaultdict(list)
dq = deque([1, 2, 3])
nv = []
dag = (1,)
r = None
k = 0
def cb(*a, **kw):
    return a[0] if a else 0
";

/// Values to mix into calls: the variables and hostile literals.
const VALUES: &[&str] = &[
    "s",
    "big",
    "xs",
    "ys",
    "d",
    "st",
    "fs",
    "tp",
    "rg",
    "n",
    "fl",
    "ct",
    "od",
    "dd",
    "dq",
    "nv",
    "dag",
    "r",
    "k",
    "None",
    "True",
    "0",
    "-1",
    "10**6",
    "2**62",
    "-2**62 * 2",
    "2**62 - 1 + 2**62",
    "1e308",
    "float('nan')",
    "''",
    "','",
    "'x' * 10**5",
    "'\\U0010ffff' * 1000",
    "[0] * 10**5",
    "[[1, 2]] * 1000",
    "range(10**9)",
    "range(-2**62 * 2, 2**62)",
    "itertools.count()",
    "itertools.repeat('x')",
    "iter(ys)",
    "(i for i in ys)",
    "{i: i for i in range(1000)}",
    "cb",
    "len",
    "str",
    "abs",
    "sorted",
    "lambda *a: a",
    "lambda x, y=0: x",
    "r'(a*)*b'",
    "r'(\\w+)\\s'",
    "'(?:a|b){1000}'",
    "'{:>100000}'",
    "'%*d'",
];

const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "==", "<", "in", "is", "and",
    "or",
];

const LOOP_BOUNDS: &[&str] = &["1", "3", "100", "10**4", "10**6"];

/// A byte reader: every choice consumes one byte (0 when exhausted).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn pick(&mut self, n: usize) -> usize {
        let wide = (self.byte() as usize) << 8 | self.byte() as usize;
        wide % n.max(1)
    }

    fn one<'t>(&mut self, items: &'t [&'t str]) -> &'t str {
        items[self.pick(items.len())]
    }

    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

fn value(b: &mut Bytes) -> String {
    b.one(VALUES).to_string()
}

fn args(b: &mut Bytes, count: usize) -> String {
    (0..count).map(|_| value(b)).collect::<Vec<_>>().join(", ")
}

/// One simple statement (no block), assigning to `r` mostly.
fn simple(b: &mut Bytes) -> String {
    let cat = catalog();
    match b.pick(16) {
        0..=3 => {
            let m = &cat.methods[b.pick(cat.methods.len())];
            let count =
                if m.arities.is_empty() { b.pick(3) } else { m.arities[b.pick(m.arities.len())] };
            format!("r = {}.{}({})", receiver(&m.ty), m.name, args(b, count))
        }
        4 | 5 => {
            let f = &cat.builtins[b.pick(cat.builtins.len())];
            let count = b.pick(4);
            format!("r = {f}({})", args(b, count))
        }
        6 => {
            let (m, f) = MODULE_FUNCTIONS[b.pick(MODULE_FUNCTIONS.len())];
            let count = 1 + b.pick(3);
            format!("r = {m}.{f}({})", args(b, count))
        }
        7 => format!("r = ({}) {} ({})", value(b), b.one(OPERATORS), value(b)),
        // Growth: doubling, nesting, shared (DAG) nesting, dict nesting.
        8 => {
            format!(
                "{} = {} + ({})",
                b.one(&["xs", "s", "tp"]),
                b.one(&["xs", "s", "tp"]),
                value(b)
            )
        }
        9 => b
            .one(&[
                "nv = [nv]",
                "nv = {'k': nv}",
                "nv = (nv,)",
                "dag = (dag, dag)",
                "nv = [nv, nv]",
            ])
            .to_string(),
        // Walks over whatever was built.
        10 => format!(
            "r = {}({})",
            b.one(&[
                "repr",
                "str",
                "hash",
                "len",
                "sorted",
                "json.dumps",
                "list",
                "set",
                "tuple",
                "max",
                "sum"
            ]),
            b.one(&["nv", "dag", "xs", "ys", "d", "big", "s", "r"])
        ),
        11 => format!("r = {} == {}", b.one(&["nv", "dag", "xs"]), b.one(&["nv", "dag", "xs"])),
        12 => format!(
            "r = f\"{{{}:>{{{}}}}}\"",
            b.one(&["s", "n", "fl", "xs", "r", "k", "big"]),
            b.one(&["10", "100000", "10**7", "n"])
        ),
        13 => format!("print({})", b.one(&["r", "s", "xs", "big[:1000]", "nv", "repr(dag)[:100]"])),
        14 => format!("r = llm_query(str({})[:1000])", value(b)),
        _ => format!(
            "r = await asyncio.gather(*[llm_query(str(i)) for i in range({})])",
            b.one(&["0", "3", "100", "10**4"])
        ),
    }
}

/// A statement at `indent`, possibly a loop around more statements.
fn statement(b: &mut Bytes, indent: usize, out: &mut String) {
    let pad = "    ".repeat(indent);
    if indent < 2 && b.pick(5) == 0 {
        let header = match b.pick(3) {
            0 => format!("for i in range({}):", b.one(LOOP_BOUNDS)),
            1 => format!("while k < {}:\n{pad}    k += 1", b.one(LOOP_BOUNDS)),
            _ => format!("for i in {}:", b.one(&["xs", "ys", "big", "d", "st", "dq", "ct", "rg"])),
        };
        out.push_str(&format!("{pad}{header}\n"));
        for _ in 0..1 + b.pick(3) {
            statement(b, indent + 1, out);
        }
        return;
    }
    // try/except Exception: ordinary errors must not end the program early.
    out.push_str(&format!(
        "{pad}try:\n{pad}    {}\n{pad}except Exception:\n{pad}    pass\n",
        simple(b)
    ));
}

/// A complete program.
pub fn program(data: &[u8]) -> String {
    let mut b = Bytes::new(data);
    let mut out = String::from(PRELUDE);
    while !b.done() && out.len() < 16_000 {
        statement(&mut b, 0, &mut out);
    }
    out
}
