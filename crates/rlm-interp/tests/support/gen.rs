//! Structured program generation for fuzzing and property tests: turns
//! arbitrary bytes into a syntactically valid DSL program that exercises
//! assignments, loops, functions, exceptions, collections, strings and
//! host calls. Shared by `fuzz/fuzz_targets/interp_*.rs` and the proptest.

#![allow(dead_code)]

/// A tiny byte reader: every choice consumes one byte (0 when exhausted).
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
        self.byte() as usize % n.max(1)
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

const VARS: &[&str] = &["a", "b", "c", "xs", "d", "s"];
const STRS: &[&str] =
    &["''", "'abc'", "'a b  c'", "'Hello, World'", "'é漢'", "'x,y,z'", "'needle 42'"];

fn var(b: &mut Bytes) -> &'static str {
    VARS[b.pick(VARS.len())]
}

pub fn expr(b: &mut Bytes, depth: usize) -> String {
    if depth > 3 {
        return atom(b);
    }
    match b.pick(23) {
        0..=3 => atom(b),
        4 => format!(
            "({} {} {})",
            expr(b, depth + 1),
            [
                "+", "-", "*", "//", "%", "**", "<", "==", "in", "and", "or", "&", "|", "^", "<<",
                ">>", "/", "!="
            ][b.pick(18)],
            expr(b, depth + 1)
        ),
        5 => format!("[{}, {}]", expr(b, depth + 1), expr(b, depth + 1)),
        6 => format!("{{{}: {}}}", expr(b, depth + 1), expr(b, depth + 1)),
        7 => format!(
            "{}({})",
            [
                "len",
                "str",
                "sorted",
                "list",
                "set",
                "tuple",
                "repr",
                "int",
                "abs",
                "min",
                "max",
                "sum",
                "bool",
                "reversed",
                "enumerate",
                "any"
            ][b.pick(16)],
            expr(b, depth + 1)
        ),
        8 => format!(
            "({}).{}()",
            expr(b, depth + 1),
            [
                "upper",
                "split",
                "strip",
                "lower",
                "keys",
                "items",
                "copy",
                "pop",
                "title",
                "splitlines"
            ][b.pick(10)]
        ),
        9 => format!("({})[{}]", expr(b, depth + 1), expr(b, depth + 1)),
        10 => format!(
            "({})[{}:{}:{}]",
            expr(b, depth + 1),
            small(b),
            small(b),
            ["1", "2", "-1", "None"][b.pick(4)]
        ),
        11 => format!("f\"{{({})}}-{{({})!r:>{}}}\"", atom(b), atom(b), b.pick(12)),
        12 => format!(
            "[{} for {} in {} if {}]",
            expr(b, depth + 1),
            "i",
            expr(b, depth + 1),
            expr(b, depth + 1)
        ),
        13 => format!(
            "({} if {} else {})",
            expr(b, depth + 1),
            expr(b, depth + 1),
            expr(b, depth + 1)
        ),
        14 => format!(
            "'{}' % ({},)",
            ["%s", "%d", "%5.2f", "%r", "%x"][b.pick(5)],
            expr(b, depth + 1)
        ),
        15 => format!(
            "re.findall({}, {})",
            ["r'\\w+'", "r'(\\d)(\\w)'", "r'a|b'", "r'(?i)x'", "r'(a*)*\\1'"][b.pick(5)],
            expr(b, depth + 1)
        ),
        16 => format!("json.dumps({})", expr(b, depth + 1)),
        17 => format!("'{{}} {{}}'.format({}, {})", expr(b, depth + 1), expr(b, depth + 1)),
        18 => format!("f{}({})", b.pick(2), expr(b, depth + 1)),
        19 => format!("{}.join({})", STRS[b.pick(STRS.len())], expr(b, depth + 1)),
        20 => format!("(lambda q: {})({})", expr(b, depth + 1), expr(b, depth + 1)),
        21 => format!("(-{})", atom(b)),
        _ => format!("(not {})", expr(b, depth + 1)),
    }
}

fn small(b: &mut Bytes) -> String {
    ["", "0", "1", "-1", "3", "-4", "100"][b.pick(7)].to_string()
}

fn atom(b: &mut Bytes) -> String {
    match b.pick(8) {
        0 => var(b).to_string(),
        1 => format!("{}", b.byte() as i64 - 64),
        2 => STRS[b.pick(STRS.len())].to_string(),
        3 => ["None", "True", "False", "[]", "{}", "()", "1.5", "-0.0"][b.pick(8)].to_string(),
        4 => format!("range({})", b.pick(20)),
        5 => "i".to_string(),
        6 => var(b).to_string(),
        _ => format!("{}", b.byte() as i64 * 1_000_003),
    }
}

fn block(b: &mut Bytes, indent: usize, depth: usize, out: &mut String) {
    let n = 1 + b.pick(3);
    for _ in 0..n {
        stmt(b, indent, depth, out);
    }
}

fn stmt(b: &mut Bytes, indent: usize, depth: usize, out: &mut String) {
    let pad = "    ".repeat(indent);
    let deep = depth > 2;
    match if deep { b.pick(5) } else { b.pick(15) } {
        0 | 1 => out.push_str(&format!("{pad}{} = {}\n", var(b), expr(b, 0))),
        2 => out.push_str(&format!("{pad}print({})\n", expr(b, 0))),
        3 => out.push_str(&format!("{pad}{} += {}\n", var(b), expr(b, 0))),
        4 => out.push_str(&format!("{pad}xs.append({})\n", expr(b, 0))),
        5 => {
            out.push_str(&format!("{pad}if {}:\n", expr(b, 0)));
            block(b, indent + 1, depth + 1, out);
            out.push_str(&format!("{pad}else:\n"));
            block(b, indent + 1, depth + 1, out);
        }
        6 => {
            out.push_str(&format!("{pad}for i in {}:\n", expr(b, 0)));
            block(b, indent + 1, depth + 1, out);
        }
        7 => {
            out.push_str(&format!("{pad}try:\n"));
            block(b, indent + 1, depth + 1, out);
            out.push_str(&format!("{pad}except (ValueError, TypeError, KeyError, IndexError) as e:\n{pad}    print(type(e).__name__, e)\n"));
            out.push_str(&format!("{pad}finally:\n{pad}    c = 1\n"));
        }
        8 => {
            out.push_str(&format!("{pad}k = 0\n{pad}while k < {}:\n{pad}    k += 1\n", b.pick(30)));
            block(b, indent + 1, depth + 1, out);
        }
        9 => out.push_str(&format!("{pad}d[{}] = {}\n", expr(b, 0), expr(b, 0))),
        10 => out.push_str(&format!("{pad}r = llm_query({})\n{pad}print(r)\n", expr(b, 0))),
        11 => out.push_str(&format!(
            "{pad}r = await llm_query(str({}))\n{pad}rs = await asyncio.gather(*[llm_query(str(x)) for x in xs[:{}]])\n{pad}print(r, rs)\n",
            expr(b, 0),
            b.pick(4)
        )),
        12 => out.push_str(&format!(
            "{pad}print(list(csv.reader(io.StringIO(str({})), delimiter={:?})))\n",
            expr(b, 0),
            [",", ";", "'", "\"", " "][b.pick(5)]
        )),
        13 => out.push_str(&format!(
            "{pad}f = io.StringIO()\n{pad}csv.writer(f, quoting={}).writerow([{}, {}])\n{pad}print(f.getvalue())\n",
            b.pick(3),
            expr(b, 0),
            expr(b, 0)
        )),
        _ => out.push_str(&format!(
            "{pad}rs = await asyncio.gather(*[llm_query_async(str(i)) for i in range({})])\n{pad}print(rs)\n",
            b.pick(5)
        )),
    }
}

/// A complete program (prelude binds every variable the generator uses).
pub fn program(data: &[u8]) -> String {
    let mut b = Bytes::new(data);
    let mut out = String::from(
        "import re, json, asyncio, csv, io\na = 1\nb = 'text'\nc = [1, 2]\nxs = []\nd = {}\ns = 'Hello World'\ni = 0\n\
         def f0(x):\n    return x\ndef f1(x, y=2):\n    return [x, y]\n",
    );
    while !b.done() && out.len() < 4000 {
        let mut st = String::new();
        stmt(&mut b, 0, 0, &mut st);
        out.push_str(&st);
    }
    out
}
