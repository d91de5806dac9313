//! Issue #33: no program can overflow a thread's stack. Every kind of nesting
//! a program can build (`KINDS`), 10^6 levels deep, meets every operation that
//! walks a value (`OPS`): the (kind × operation) matrix is generated from the
//! two lists. Each runs on a thread with a 256 KiB stack (smaller than any
//! host thread: tokio's workers have 2 MiB), and must end normally or with a
//! documented error (the nesting or call-depth limit, `RecursionError`, or an
//! ordinary exception such as an unhashable key); never with fuel or memory
//! (unbounded work) and never by overflowing the stack, which aborts this
//! test binary. Deep *source* (the parser and the compiler) is the second
//! list of cases, on the same small stack.

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

/// Levels of nesting each kind is built to.
const DEPTH: usize = 1_000_000;

/// The stack of every thread these tests run programs on.
const SMALL_STACK: usize = 256 * 1024;

/// (name, one step of nesting: a statement that wraps `x` once). The
/// prelude defines `f`, `g` and `partial`; `x` starts as `0`.
const KINDS: &[(&str, &str)] = &[
    ("list", "x = [x]"),
    ("tuple", "x = (x,)"),
    ("dict_value", "x = {'k': x}"),
    ("dict_in_list", "x = [{'k': x, 1: 2}]"),
    ("frozenset", "x = frozenset([x])"),
    ("set_of_frozenset", "x = frozenset({x, 1})"),
    ("deque", "x = deque([x])"),
    ("counter", "x = Counter({'a': 1, 'b': x})"),
    ("ordered_dict", "x = OrderedDict([('k', x)])"),
    ("defaultdict", "x = defaultdict(list, {'k': x})"),
    ("partial_func", "x = partial(x)"),
    ("partial_arg", "x = partial(f, x)"),
    ("partial_kwarg", "x = partial(f, k=x)"),
    ("closure", "x = g(x)"),
    ("lambda_default", "x = (lambda v=x: v)"),
    ("exception_arg", "x = ValueError(x)"),
    ("exception_args", "x = KeyError(x, 1)"),
    ("iter_of_list", "x = iter([x])"),
    ("map_chain", "x = map(list, [[x]])"),
    ("zip_chain", "x = zip([x])"),
    ("enumerate_chain", "x = enumerate([x])"),
    ("reversed_chain", "x = reversed([x])"),
    ("bound_method", "x = [x].copy"),
    ("dict_view", "x = {'k': x}.values()"),
    ("dict_items", "x = {1: x}.items()"),
    ("coroutine", "x = h(x)"),
];

/// Operations on the nested values `x` and `y` (two separate builds).
const OPS: &[&str] = &[
    "repr(x)",
    "str(x)",
    "print(x)",
    "f'{x}'",
    "f'{x!r:>10}'",
    "'%s' % (x,)",
    "'%r' % (x,)",
    "'{}'.format(x)",
    "x == y",
    "x != y",
    "x < y",
    "x <= y",
    "x is y",
    "hash(x)",
    "x in [y]",
    "[y].count(x)",
    "(y,).index(x)",
    "{x}",
    "{x: 1}",
    "frozenset([x])",
    "x.copy() if hasattr(x, 'copy') else x",
    "list(x) if hasattr(x, '__iter__') else x",
    "len(x) if hasattr(x, '__len__') else 0",
    "bool(x)",
    "json.dumps(x)",
    "json.dumps([x], default=str)",
    "sorted([x, y])",
    "sorted([x, y], key=lambda v: v)",
    "sorted([1, 2], key=lambda v: x)",
    "max([x, y])",
    "x()",
    "del x",
];

const PRELUDE: &str = "\
import json
from functools import partial
from collections import deque, Counter, OrderedDict, defaultdict
def f(*a, **k):
    return 3
def g(inner):
    return lambda: inner
async def h(inner):
    return inner
";

fn build_source(step: &str) -> String {
    format!(
        "{PRELUDE}\ndef build():\n    x = 0\n    for _ in range({DEPTH}):\n        {step}\n    return x\nx = build()\ny = build()\n"
    )
}

/// Limits for the builds: room for two 10^6-deep values.
fn build_limits() -> Limits {
    Limits { fuel: 2_000_000_000, memory_bytes: 2 << 30, ..Limits::default() }
}

/// Limits for one operation: the defaults, with fuel that an operation bounded
/// by the nesting cap never comes near.
fn op_limits() -> Limits {
    Limits { fuel: 20_000_000, ..Limits::default() }
}

/// How a run ended, if acceptable; `Err` with a description if not.
fn acceptable(outcome: &Outcome) -> Result<&'static str, String> {
    match outcome {
        Outcome::Done | Outcome::Final(_) => Ok("ok"),
        Outcome::Error(e) => match &e.kind {
            ErrorKind::Limit(LimitKind::Nesting) => Ok("nesting"),
            ErrorKind::Limit(LimitKind::CallDepth) => Ok("call depth"),
            ErrorKind::Exception => Ok("exception"),
            _ => Err(format!("{:?}: {}", e.kind, e.last_line())),
        },
        Outcome::Suspended(_) => Err("suspended".into()),
    }
}

/// Runs `f` on a thread with a 256 KiB stack (an overflow aborts the test
/// binary: the test fails loudly).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn a small-stack thread")
        .join()
        .expect("the small-stack thread did not panic")
}

#[test]
fn every_nesting_kind_meets_every_operation_on_a_small_stack() {
    // `NESTING_ONLY=dict` runs the kinds whose name contains the text.
    let only = std::env::var("NESTING_ONLY").unwrap_or_default();
    let kinds: Vec<(&'static str, &'static str)> =
        KINDS.iter().filter(|(kind, _)| kind.contains(only.as_str())).copied().collect();
    // The kinds are independent: one small-stack thread per core takes every
    // n-th kind (a value never crosses threads: each is built where it is used).
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let mine: Vec<_> = kinds.iter().skip(w).step_by(workers).copied().collect();
            std::thread::Builder::new()
                .stack_size(SMALL_STACK)
                .spawn(move || {
                    let mut failures = Vec::new();
                    let mut ran = 0;
                    for (kind, step) in mine {
                        let (f, r) = every_operation_on(kind, step);
                        failures.extend(f);
                        ran += r;
                    }
                    (failures, ran)
                })
                .expect("spawn a small-stack thread")
        })
        .collect();
    let mut failures = Vec::new();
    let mut ran = 0;
    for t in threads {
        let (f, r) = t.join().expect("the small-stack thread did not panic");
        failures.extend(f);
        ran += r;
    }
    assert_eq!(ran, kinds.len() * OPS.len(), "every pair ran: {failures:#?}");
    assert!(
        failures.is_empty(),
        "{} of {ran} pairs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Builds two values of one kind of nesting, runs every operation on them,
/// then drops them; returns the failures and how many operations ran.
fn every_operation_on(kind: &str, step: &str) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    eprintln!("nesting_generated: building {kind}");
    let mut builder = Interpreter::new(build_limits());
    let built = builder.run_cell(&build_source(step));
    if let Err(why) = acceptable(&built) {
        return (vec![format!("{kind}: building: {why}")], 0);
    }
    if !matches!(built, Outcome::Done) {
        return (vec![format!("{kind}: building did not finish: {:?}", acceptable(&built))], 0);
    }
    let (Some(x), Some(y)) = (builder.get_global("x"), builder.get_global("y")) else {
        return (vec![format!("{kind}: no x, y after building")], 0);
    };
    let mut ran = 0;
    for op in OPS {
        // Seen with `--nocapture` when an overflow aborts the binary.
        eprintln!("nesting_generated: {kind} × {op}");
        let mut s = Interpreter::new(op_limits());
        s.set_global("x", x.clone());
        s.set_global("y", y.clone());
        let o = s.run_cell(&format!("{PRELUDE}\n_ = {op}\n").replace("_ = del x", "del x"));
        ran += 1;
        if let Err(why) = acceptable(&o) {
            failures.push(format!("{kind} × {op}: {why}"));
        }
    }
    drop((x, y));
    // Dropped for real: `x` by the program, `y` with its session.
    let o = builder.run_cell("x = None\n");
    if let Err(why) = acceptable(&o) {
        failures.push(format!("{kind} × drop: {why}"));
    }
    drop(builder);
    (failures, ran)
}

/// CPython flattens nested partials: 10^6 levels call `f` in one step.
#[test]
fn a_partial_nested_a_million_deep_calls_in_one_step() {
    let out = on_small_stack(|| {
        let mut s = Interpreter::new(build_limits());
        let o = s.run_cell(
            "from functools import partial\n\
             p = partial(lambda x, *rest: x, 3)\n\
             for _ in range(1000000):\n    p = partial(p)\n\
             print(p())\n\
             q = partial(lambda *a, **k: (len(a), sorted(k.items())), 1)\n\
             for i in range(1000):\n    q = partial(q, i, k=i)\n\
             print(q())\n\
             print(repr(partial(partial(len), 'ab').args))\n",
        );
        (acceptable(&o).map(str::to_string), s.take_output())
    });
    assert_eq!(out.0, Ok("ok".to_string()));
    assert_eq!(out.1, "3\n(1001, [('k', 999)])\n('ab',)\n");
}

/// (name, source) of deep or long programs for the parser, the scope
/// analysis and the compiler.
fn deep_sources() -> Vec<(&'static str, String)> {
    let n = 100_000;
    vec![
        ("sum_chain", format!("x = {}1\n", "1+".repeat(400_000))),
        ("attr_chain", format!("x = 1\ny = x{}\n", ".real".repeat(n))),
        ("subscript_chain", format!("x = [0]\ny = x{}\n", "[0]".repeat(n))),
        ("call_chain", format!("f = lambda: f\ny = f{}\n", "()".repeat(n))),
        ("not_chain", format!("x = {}True\n", "not ".repeat(n))),
        ("minus_chain", format!("x = {}1\n", "- ".repeat(n))),
        ("tilde_chain", format!("x = {}1\n", "~".repeat(n))),
        ("elif_chain", {
            let mut s = String::from("x = 5\nif x == -1:\n    y = 0\n");
            for i in 0..n {
                s.push_str(&format!("elif x == {i}:\n    y = {i}\n"));
            }
            s
        }),
        ("parens", format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n))),
        ("lists", format!("x = {}{}\n", "[".repeat(n), "]".repeat(n))),
        ("fstring_nested", {
            let mut s = String::from("1");
            for _ in 0..10_000 {
                s = format!("f\"{{{s}}}\"");
            }
            format!("x = {s}\n")
        }),
        ("lambdas", format!("x = {}1\n", "lambda: ".repeat(n))),
        ("comparison_chain", format!("x = 1{}\n", " < 2".repeat(n))),
        ("bool_chain", format!("x = 1{}\n", " and 1".repeat(n))),
        ("ternary_chain", format!("x = {}0\n", "1 if 0 else ".repeat(n))),
        ("string_concat", format!("x = {}''\n", "'a' + ".repeat(n))),
        ("blocks", {
            let mut s = String::new();
            for i in 0..1000 {
                s.push_str(&" ".repeat(i));
                s.push_str("if True:\n");
            }
            s.push_str(&" ".repeat(1000));
            s.push_str("pass\n");
            s
        }),
    ]
}

#[test]
fn deep_source_is_parsed_and_compiled_on_a_small_stack() {
    let mut failures = Vec::new();
    for (name, src) in deep_sources() {
        let ended = on_small_stack(move || {
            let mut s = Interpreter::new(op_limits());
            let o = s.run_cell(&src);
            match &o {
                Outcome::Error(e) if e.kind == ErrorKind::Syntax => Ok("syntax"),
                o => acceptable(o),
            }
        });
        if let Err(why) = ended {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
