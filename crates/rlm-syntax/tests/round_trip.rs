//! Property: for generated programs, parse -> unparse -> parse yields the same
//! tree. The generator builds expressions from Python's grammar (every
//! operator, literal, display, comprehension, call form and f-string part) and
//! wraps them in statements and blocks.

use proptest::prelude::*;
use rlm_syntax::printer::{sexpr, unparse};

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,3}".prop_filter("not a keyword", |s| !matches!(
            s.as_str(),
            "if" | "in" | "is" | "or" | "and" | "not" | "for" | "def" | "del" | "try" | "as"
        )),
        (0i64..1_000_000).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_string()),
        Just("123456789012345678901234567890".to_string()),
        (0.0f64..1e6).prop_map(|f| format!("{f:?}")),
        Just("1e-7".to_string()),
        "[a-z \\\\n'\"{}]{0,8}".prop_map(|s| format!("{s:?}")),
        Just("None".to_string()),
        Just("True".to_string()),
        Just("...".to_string()),
        Just("r'\\d+'".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let bin = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("//"),
            Just("%"),
            Just("**"),
            Just("@"),
            Just("|"),
            Just("&"),
            Just("^"),
            Just("<<"),
            Just(">>"),
            Just("and"),
            Just("or"),
            Just("<"),
            Just("<="),
            Just("=="),
            Just("!="),
            Just("in"),
            Just("not in"),
            Just("is"),
            Just("is not"),
        ];
        prop_oneof![
            (inner.clone(), bin, inner.clone()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("({a} < {b} <= {c})")),
            (prop_oneof![Just("-"), Just("+"), Just("~"), Just("not ")], inner.clone())
                .prop_map(|(o, a)| format!("({o}{a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("({a} if {b} else {c})")),
            inner.clone().prop_map(|a| format!("(lambda x, y=1, *r, k, **kw: {a})")),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!(
                "({}{})",
                v.join(", "),
                if v.len() == 1 { "," } else { "" }
            )),
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|v| format!("{{{}}}", v.join(", "))),
            prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.iter().map(|(k, x)| format!("{k}: {x}")).collect::<Vec<_>>().join(", ")
            )),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{**{a}, 'k': {b}}}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("[{a} for v in {b} if {c}]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{{a} for v, w in {b}}}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(k, v, b)| format!("{{{k}: {v} for v in {b} for w in v}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} for v in {b})")),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3), inner.clone()).prop_map(
                |(f, args, kw)| format!(
                    "{f}({}{}k={kw}, *a, **m)",
                    args.join(", "),
                    if args.is_empty() { "" } else { ", " }
                )
            ),
            (inner.clone(), inner.clone()).prop_map(|(f, a)| format!("{f}(v for v in {a})")),
            inner.clone().prop_map(|a| format!("({a}).attr")),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, i, j)| format!("{a}[{i}:{j}:-1]")),
            inner.clone().prop_map(|a| format!("{a}[::2, :]")),
            // A space after `{` keeps a nested `{...}` from reading as the `{{` escape (as in Python).
            (inner.clone(), inner.clone())
                .prop_map(|(a, w)| format!("f\"<{{ {a}!r:>{{ {w}}}}}> {{ {a}=}} {{{{x}}}}\"")),
            inner.clone().prop_map(|a| format!("(n := {a})")),
            inner.clone().prop_map(|a| format!("(await {a})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("(*{a}, {b})")),
        ]
    })
}

fn stmt() -> impl Strategy<Value = String> {
    let simple = prop_oneof![
        expr().prop_map(|e| format!("{e}\n")),
        (expr(), expr()).prop_map(|(a, b)| format!("x = y[0] = {a}, {b}\n")),
        expr().prop_map(|e| format!("a, *b = {e}\n")),
        expr().prop_map(|e| format!("x.y //= {e}\n")),
        expr().prop_map(|e| format!("n: int = {e}\n")),
        expr().prop_map(|e| format!("assert {e}, 'msg'\n")),
        expr().prop_map(|e| format!("raise ValueError({e}) from None\n")),
        Just("import re, json as j\nfrom collections import Counter as C, deque\n".to_string()),
        Just("del a[0], b\n".to_string()),
        Just("pass; x = 1\n".to_string()),
    ];
    simple.prop_recursive(3, 12, 3, |inner| {
        let block = prop::collection::vec(inner, 1..3).prop_map(|v| {
            v.iter()
                .flat_map(|s| s.lines().map(|l| format!("    {l}\n")).collect::<Vec<_>>())
                .collect::<String>()
        });
        prop_oneof![
            (expr(), block.clone(), block.clone())
                .prop_map(|(c, a, b)| format!("if {c}:\n{a}elif x:\n{b}else:\n{a}")),
            (expr(), block.clone()).prop_map(|(c, a)| format!("while {c}:\n{a}")),
            (expr(), block.clone(), block.clone())
                .prop_map(|(c, a, b)| format!("for i, (j, k) in {c}:\n{a}else:\n{b}")),
            (block.clone(), block.clone())
                .prop_map(|(a, b)| format!("try:\n{a}except (E, F) as e:\n{b}finally:\n{a}")),
            (block.clone(), expr()).prop_map(|(a, d)| format!(
                "async def f(a, b={d}, *c, k, **m) -> int:\n{a}    return a\n"
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn expressions_round_trip(e in expr()) {
        let src = format!("{e}\n");
        let first = rlm_syntax::parse(&src).map_err(|err| TestCaseError::fail(err.render(&src, "gen")))?;
        let printed = unparse(&first);
        let second = rlm_syntax::parse(&printed).map_err(|err| TestCaseError::fail(format!("{printed}\n{}", err.render(&printed, "unparsed"))))?;
        prop_assert_eq!(sexpr(&first), sexpr(&second), "source:\n{}\nprinted:\n{}", src, printed);
    }

    #[test]
    fn programs_round_trip(stmts in prop::collection::vec(stmt(), 1..4)) {
        let src = stmts.concat();
        let first = rlm_syntax::parse(&src).map_err(|err| TestCaseError::fail(err.render(&src, "gen")))?;
        let printed = unparse(&first);
        let second = rlm_syntax::parse(&printed).map_err(|err| TestCaseError::fail(format!("{printed}\n{}", err.render(&printed, "unparsed"))))?;
        prop_assert_eq!(sexpr(&first), sexpr(&second), "source:\n{}\nprinted:\n{}", src, printed);
    }
}

/// Regressions the property found: PEP 701 nested quotes in f-string fields,
/// and attribute access on number literals in the printer.
#[test]
fn found_by_the_property() {
    for src in
        ["x = f\"{d[\"k\"]} {\"\"!r}\"\n", "y = (1).real + (2.5).imag\n", "z = f'{ {1, 2}!r}'\n"]
    {
        let first = rlm_syntax::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src, "t")));
        let printed = unparse(&first);
        let second =
            rlm_syntax::parse(&printed).unwrap_or_else(|e| panic!("{}", e.render(&printed, "t")));
        assert_eq!(sexpr(&first), sexpr(&second), "{printed}");
    }
    // An unclosed field before the closing quote is still reported precisely.
    let e = rlm_syntax::parse("x = f\"{a\" + b\n").expect_err("unclosed field");
    assert_eq!(e.diagnostics[0].message, "f-string: expecting `}`");
}

/// Parse, unparse, parse again: the same tree, or the reason it is not.
fn round_trips(src: &str) -> Result<(), String> {
    let first = rlm_syntax::parse(src)
        .map_err(|e| format!("source does not parse: {}", e.render(src, "s")))?;
    let printed = unparse(&first);
    let again = rlm_syntax::parse(&printed).map_err(|e| {
        format!("unparse output does not parse:\n{printed}\n{}", e.render(&printed, "p"))
    })?;
    if sexpr(&first) == sexpr(&again) { Ok(()) } else { Err(format!("tree changed:\n{printed}")) }
}

/// Found by the `syntax_structured` fuzzer (fuzz/regressions/syntax_structured/): a chain of
/// unary operators the parser accepts was printed with a bracket per level (`+(+(+x))`),
/// which doubled its nesting and passed the parser's limit of 200 levels.
#[test]
fn operator_chains_near_the_nesting_limit_round_trip() {
    // The fuzzer's input, as its fragments spell it.
    let fuzz_find =
        format!("-1 ; {}% {}f'{{{{' f'{{{{' -1 ", "f'{{{{' ".repeat(5), "+ ".repeat(100));
    assert_eq!(round_trips(&fuzz_find), Ok(()));
    for (unary, before) in [("-", "a % "), ("+", "a % "), ("~", "a % "), ("not ", "a or ")] {
        for depth in [60, 120, 190] {
            let src = format!("x = {before}{}b\n", unary.repeat(depth));
            assert_eq!(round_trips(&src), Ok(()), "{unary} x {depth}");
        }
    }
    // Chains of every other kind of operator, at the depths the parser takes.
    for src in [
        format!("x = {}1\n", "2 ** ".repeat(150)),
        format!("x = {}c\n", "a if b else ".repeat(150)),
        format!("x = {}1\n", "lambda: ".repeat(150)),
        format!("x = {}y{}\n", "not -(".repeat(60), ")".repeat(60)),
        format!("x = {}0{}\n", "(1 - ".repeat(150), ")".repeat(150)),
        format!("x = {}0{}\n", "(a < (b or ".repeat(60), "))".repeat(60)),
    ] {
        assert_eq!(round_trips(&src), Ok(()), "{}", &src[..40]);
    }
}
