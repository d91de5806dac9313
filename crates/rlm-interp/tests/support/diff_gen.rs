//! A generator of well-typed DSL programs for differential fuzzing against
//! CPython 3.11 (issue #53, item 5): turns arbitrary bytes into a program
//! of independent statements, each of which computes one value and prints
//! `show(value)` (a canonical `repr`: sets sorted, no addresses), or the
//! name of the exception it raised. Every statement prints exactly one
//! line, so the n-th lines of our run and of CPython's answer the same
//! question.
//!
//! Expressions are typed: each hole in a template (`diff_templates.rs`:
//! `$i` an int, `$s` a str, ...) is filled with an expression of that type,
//! down to literals at the edges (0, -1, 2**31, i64's ends, -0.0, 5e-324, inf, nan, empty,
//! CJK, combining, emoji, escapes). Sizes (repetition counts, widths,
//! `range` bounds) are small ints, so no statement makes CPython allocate
//! gigabytes or loop for long; big ints appear only in arithmetic.
//!
//! A share of the statements call methods and builtins read from the
//! interpreter's tables (`cost_table::entries`, `METHOD_ARITY`, through
//! `hostile_gen.rs`'s catalog) with tame arguments, so a method the typed
//! templates do not know is still compared.
//!
//! Blocks of several lines (`diff_flows.rs`, issue #76) run asyncio tasks
//! (cancellation, timeouts, gather, shield, as_completed, the queue, event,
//! lock and semaphore), draw lazy-iterator pipelines whose callbacks log
//! when they run, and apply case mappings, predicates and numerics to
//! strings drawn from every Unicode general category (`diff_unicode.rs`).
//!
//! Shared by `fuzz/fuzz_targets/interp_differential.rs` (cargo-fuzz) and
//! `tests/differential_fuzz.rs` (a proptest in the normal suite).

#![allow(dead_code)]

use super::hostile_gen;

/// A generated program and the statement behind each line it prints.
pub struct Program {
    pub src: String,
    pub statements: Vec<String>,
}

/// Binds the modules and `show`; printed nothing.
pub const PRELUDE: &str = "\
import math, json, re, itertools, string, asyncio
from collections import Counter, OrderedDict, defaultdict, deque
def show(v):
    if isinstance(v, (set, frozenset)):
        return type(v).__name__ + repr(sorted(repr(x) for x in v))
    r = repr(v)
    if ' at 0x' in r:
        return '<' + type(v).__name__ + '>'
    return r
";

include!("diff_templates.rs");
include!("diff_flows.rs");

/// Catalog receivers that need a constructed value, by type.
fn receiver(ty: &str) -> &'static str {
    match ty {
        "Counter" => "Counter($s)",
        "OrderedDict" => "OrderedDict(zip($S, $L))",
        "defaultdict" => "defaultdict(list, $d)",
        "deque" => "deque($L)",
        "dict" => "$d",
        "float" => "$f",
        "frozenset" => "frozenset($L)",
        "int" => "$i",
        "list" => "$l",
        "range" => "range($n, $n, $z)",
        "set" => "$e",
        "tuple" => "$t",
        _ => "$s",
    }
}

/// Builtins the catalog statements never call: they read input, end the
/// program, print, or show something that differs between runs.
const SKIPPED: &[&str] =
    &["input", "dir", "FINAL", "FINAL_VAR", "SHOW_VARS", "print", "id", "hash", "iter", "next"];

/// A byte reader: every choice consumes one byte (0 when exhausted, so an
/// exhausted input picks leaves and ends).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    /// Delays handed out so far (`diff_flows.rs` makes each one distinct).
    delays: u32,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0, delays: 0 }
    }

    fn pick(&mut self, n: usize) -> usize {
        let b = self.data.get(self.pos).copied().unwrap_or(0) as usize;
        self.pos += 1;
        b % n.max(1)
    }

    fn one<'t>(&mut self, items: &'t [&'t str]) -> &'t str {
        items[self.pick(items.len())]
    }

    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// `s` as a single-quoted Python literal (escapes for quotes, backslashes
/// and controls; other characters as they are).
pub fn str_literal(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            '\u{85}' | '\u{2028}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The leaf (literal) of a hole's type.
fn leaf(b: &mut Bytes, hole: char) -> String {
    let ints = |b: &mut Bytes, n: usize| -> String {
        (0..n).map(|_| b.one(INTS).to_string()).collect::<Vec<_>>().join(", ")
    };
    let strs = |b: &mut Bytes, n: usize| -> String {
        (0..n).map(|_| str_literal(b.one(STRS))).collect::<Vec<_>>().join(", ")
    };
    match hole {
        'i' => b.one(INTS).to_string(),
        'n' => b.one(SMALL).to_string(),
        'z' => b.one(STEPS).to_string(),
        'f' => b.one(FLOATS).to_string(),
        's' => str_literal(b.one(STRS)),
        'c' => str_literal(b.one(&["*", " ", "-", "0", "é", "日", ""])),
        'b' => b.one(&["True", "False"]).to_string(),
        'L' => {
            let n = b.pick(5);
            format!("[{}]", ints(b, n))
        }
        'S' => {
            let n = b.pick(5);
            format!("[{}]", strs(b, n))
        }
        'F' => {
            let n = b.pick(4);
            format!("[{}]", (0..n).map(|_| b.one(FLOATS)).collect::<Vec<_>>().join(", "))
        }
        'd' => {
            let n = b.pick(4);
            let items: Vec<String> =
                (0..n).map(|_| format!("{}: {}", str_literal(b.one(STRS)), b.one(INTS))).collect();
            format!("{{{}}}", items.join(", "))
        }
        'e' => {
            let n = b.pick(5);
            if n == 0 { "set()".to_string() } else { format!("{{{}}}", ints(b, n)) }
        }
        'E' => {
            let n = 1 + b.pick(4);
            format!("{{{}}}", strs(b, n))
        }
        't' => {
            let n = b.pick(4);
            format!("({}{})", ints(b, n), if n == 1 { "," } else { "" })
        }
        'p' => format!("r'{}'", b.one(PATTERNS)),
        'P' => format!("r'{}'", b.one(GROUP_PATTERNS)),
        'C' => format!("'{}'", b.one(INT_SPECS)),
        'G' => format!("'{}'", b.one(FLOAT_SPECS)),
        'H' => format!("'{}'", b.one(STR_SPECS)),
        'k' => b.one(INT_KEYS).to_string(),
        _ => "None".to_string(),
    }
}

/// The templates of a hole's type (`None` for leaf-only holes).
fn templates(hole: char) -> Option<&'static [&'static str]> {
    Some(match hole {
        'i' => INT_T,
        'f' => FLOAT_T,
        's' => STR_T,
        'b' => BOOL_T,
        'L' => INT_LIST_T,
        'S' => STR_LIST_T,
        'F' => FLOAT_LIST_T,
        'l' => ANY_LIST_T,
        't' => TUPLE_T,
        'd' => DICT_T,
        'e' => INT_SET_T,
        'E' => STR_SET_T,
        _ => return None,
    })
}

/// An expression for `hole`, at most `depth` templates deep. Holes `x`
/// (any scalar) and `a` (anything) choose a concrete type first.
fn expr(b: &mut Bytes, hole: char, depth: usize) -> String {
    let hole = match hole {
        'x' => ['i', 'f', 's', 'b', 'N'][b.pick(5)],
        'a' => ['i', 'f', 's', 'b', 'N', 'l', 't', 'd', 'L', 'S'][b.pick(10)],
        h => h,
    };
    let Some(ts) = templates(hole) else { return leaf(b, hole) };
    let t = ts[b.pick(ts.len())];
    if depth == 0 || t == "#" {
        return leaf_or_first(b, hole, ts);
    }
    fill(b, t, depth - 1)
}

/// The leaf of a type that has one, else its first template filled with leaves.
fn leaf_or_first(b: &mut Bytes, hole: char, ts: &[&str]) -> String {
    if ts[0] == "#" { leaf(b, hole) } else { fill(b, ts[0], 0) }
}

/// `template` with every `$h` replaced by an expression of type `h`.
fn fill(b: &mut Bytes, template: &str, depth: usize) -> String {
    let mut out = String::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let hole = chars.next().unwrap_or('N');
        out.push_str(&expr(b, hole, depth));
    }
    out
}

/// A value's statement: compute it, print what `show` makes of it.
fn value_statement(b: &mut Bytes) -> String {
    let hole = ['i', 'f', 's', 'b', 'L', 'S', 'F', 'l', 't', 'd', 'e', 'E', 'a'][b.pick(13)];
    let depth = 1 + b.pick(3);
    format!("v = {}", expr(b, hole, depth))
}

/// A formatting statement: f-string, `format`, or `%`, over a bound value
/// (3.11's f-strings take no backslash or same quote in the expression).
fn format_statement(b: &mut Bytes) -> String {
    let (hole, specs, percents) = match b.pick(3) {
        0 => ('i', INT_SPECS, PERCENT_INT),
        1 => ('f', FLOAT_SPECS, PERCENT_FLOAT),
        _ => ('s', STR_SPECS, PERCENT_STR),
    };
    let depth = b.pick(3);
    let bound = format!("t = {}; ", expr(b, hole, depth));
    let spec = b.one(specs);
    let line = match b.pick(8) {
        0 => format!("v = f\"[{{t:{spec}}}]\""),
        1 => format!("v = f\"{{t!r:>{}}}|{{t!s}}\"", b.one(SMALL)),
        2 => format!("v = f\"{{t:>{{{}}}}}{{t=}}\"", b.one(SMALL)),
        3 => format!("v = format(t, '{spec}')"),
        4 => format!("v = '{}' % t", b.one(percents)),
        5 => format!("v = '%*s|%-*d' % ({}, t, {}, len(str(t)))", b.one(SMALL), b.one(SMALL)),
        6 => "v = '%(k)s:%(k)r' % {'k': t}".to_string(),
        _ => format!("v = '{{0:{spec}}}|{{0!a}}'.format(t)"),
    };
    bound + &line
}

/// A mutation of a bound container, then the container itself is the value.
fn mutation_statement(b: &mut Bytes) -> String {
    let (hole, ops): (char, &[&str]) = match b.pick(3) {
        0 => (
            'l',
            &[
                "v.append($x)",
                "v.extend($L)",
                "v.insert($i, $x)",
                "v.pop($i)",
                "v.remove($x)",
                "v.sort()",
                "v.reverse()",
                "v[$i:$i:$z] = $L",
                "del v[$i:$i:$z]",
                "v[$i] = $x",
                "v *= $n",
                "v += $S",
                "v[$n:$n] = $S",
                "del v[$i]",
                "v.sort(key=repr, reverse=$b)",
                "v.clear()",
                "v.pop()",
            ],
        ),
        1 => (
            'd',
            &[
                "v[$s] = $x",
                "v.update($d)",
                "v.pop($s, None)",
                "v.setdefault($s, $x)",
                "del v[$s]",
                "v.popitem()",
                "v |= $d",
                "v.update(zip($S, $L))",
                "v.pop($s)",
                "v.clear()",
            ],
        ),
        _ => (
            'e',
            &[
                "v.add($i)",
                "v.discard($i)",
                "v.remove($i)",
                "v.update($L)",
                "v.intersection_update($L)",
                "v -= $e",
                "v |= $e",
                "v ^= $e",
                "v &= $e",
                "v.difference_update($L, $L)",
                "v.symmetric_difference_update($L)",
            ],
        ),
    };
    let depth = b.pick(2);
    let init = expr(b, hole, depth);
    let op = b.one(ops);
    let op2 = b.one(ops);
    format!("v = {init}; {}; {}", fill(b, op, 1), fill(b, op2, 1))
}

/// A call of a method or builtin read from the interpreter's tables, with
/// tame arguments.
fn catalog_statement(b: &mut Bytes) -> String {
    let cat = hostile_gen::catalog();
    let tame_args = |b: &mut Bytes, n: usize| -> String {
        let mut args = Vec::new();
        for _ in 0..n {
            let t = b.one(TAME);
            args.push(fill(b, t, 0));
        }
        args.join(", ")
    };
    if b.pick(3) > 0 {
        let m = &cat.methods[b.pick(cat.methods.len())];
        let count =
            if m.arities.is_empty() { b.pick(3) } else { m.arities[b.pick(m.arities.len())] };
        let recv = fill(b, receiver(&m.ty), 0);
        return format!("v = ({recv}).{}({})", m.name, tame_args(b, count));
    }
    let callable: Vec<&String> =
        cat.builtins.iter().filter(|f| !SKIPPED.contains(&f.as_str())).collect();
    let f = callable[b.pick(callable.len())];
    let count = b.pick(4);
    format!("v = {f}({})", tame_args(b, count))
}

/// One statement's body: one line of `;`-joined simple statements, or a
/// block of lines (`diff_flows.rs`) that binds `v` at its end.
fn body(b: &mut Bytes) -> String {
    match b.pick(14) {
        0..=4 => value_statement(b),
        5 | 6 => format_statement(b),
        7 => mutation_statement(b),
        8 | 9 => catalog_statement(b),
        10 => async_statement(b),
        11 => lazy_statement(b),
        _ => unicode_statement(b),
    }
}

/// A complete program: the prelude, then statements while input lasts.
pub fn program(data: &[u8]) -> Program {
    let mut b = Bytes::new(data);
    let mut src = format!("{PRELUDE}{FLOWS_PRELUDE}");
    let mut statements = Vec::new();
    while !b.done() && statements.len() < 40 && src.len() < 16_000 {
        let stmt = body(&mut b);
        src.push_str("try:\n");
        for line in stmt.lines() {
            src.push_str("    ");
            src.push_str(line);
            src.push('\n');
        }
        src.push_str("    print(show(v))\nexcept Exception as e:\n    print(type(e).__name__)\n");
        statements.push(stmt);
    }
    Program { src, statements }
}
