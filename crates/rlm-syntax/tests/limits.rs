//! Hostile inputs: the parser must answer every one with a clear error (or a
//! tree), never a panic or a stack overflow. These run on the default 2 MiB
//! test-thread stack on purpose. Speed is measured by the benchmarks, not here.

use rlm_syntax::{ParseOptions, parse, parse_with};

fn first_message(src: &str) -> String {
    match parse(src) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.diagnostics[0].message.clone(),
    }
}

fn assert_too_deep(src: &str) {
    let msg = first_message(src);
    assert!(
        msg.starts_with("the program nests too deeply")
            || msg.starts_with("the expression is too long"),
        "unexpected message: {msg}"
    );
}

#[test]
fn hundred_thousand_nested_parentheses() {
    let src = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    assert_too_deep(&src);
    let unclosed = "(".repeat(100_000);
    assert_too_deep(&unclosed);
}

#[test]
fn three_hundred_nested_blocks() {
    let mut src = String::new();
    for depth in 0..300 {
        src.push_str(&" ".repeat(depth));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(300));
    src.push_str("pass\n");
    assert_too_deep(&src);
}

#[test]
fn nesting_just_under_the_budget_parses() {
    // 150 nested brackets of every kind plus 40 blocks: within the budget of 200.
    let mut expr = String::from("1");
    for i in 0..150 {
        expr = match i % 3 {
            0 => format!("({expr})"),
            1 => format!("[{expr}]"),
            _ => format!("{{{expr}}}"),
        };
    }
    let mut src = String::new();
    for depth in 0..40 {
        src.push_str(&"    ".repeat(depth));
        src.push_str("if x:\n");
    }
    src.push_str(&"    ".repeat(40));
    src.push_str(&format!("y = {expr}\n"));
    parse(&src).expect("parses within the budget");
}

#[test]
fn recursing_operator_chains() {
    assert_too_deep(&format!("x = {}1\n", "-".repeat(100_000)));
    assert_too_deep(&format!("x = {}1\n", "not ".repeat(50_000)));
    assert_too_deep(&format!("x = {}1\n", "2 ** ".repeat(50_000)));
    assert_too_deep(&format!("x = {}1\n", "lambda: ".repeat(50_000)));
    assert_too_deep(&format!("x = {}0\n", "lambda a, b: ".repeat(50_000)));
    assert_too_deep(&format!("x = {}1\n", "1 if c else ".repeat(50_000)));
    assert_too_deep(&format!("x = {}y\n", "await ".repeat(50_000)));
    assert_too_deep(&format!("x = f\"{}\"\n", "{f'".repeat(300)));
}

#[test]
fn left_leaning_chains_are_bounded_too() {
    // Parsed iteratively, but the tree would be as deep as the chain.
    assert_too_deep(&format!("x = 1{}\n", " + 1".repeat(100_000)));
    assert_too_deep(&format!("x = f{}\n", "()".repeat(100_000)));
    assert_too_deep(&format!("x = a{}\n", ".b".repeat(100_000)));
    assert_too_deep(&format!("x = a{}\n", "[0]".repeat(100_000)));
    // ...while flat structures of any length are fine.
    parse(&format!("x = [{}]\n", "-1, ".repeat(100_000))).expect("long list");
    parse(&format!("x = {}\n", vec!["a"; 50_000].join(" and "))).expect("long and-chain");
    parse(&format!("x = 1{}\n", " + 1".repeat(500))).expect("500-term sum");
}

#[test]
fn twenty_megabyte_string_literal() {
    let src = format!("s = \"{}\"\n", "a".repeat(20 << 20));
    // Over the default source cap: a clear error, found without reading it all.
    let msg = first_message(&src);
    assert!(msg.starts_with("the program is too large"), "{msg}");
    // With the cap raised, it lexes and parses in one linear pass.
    let opts = ParseOptions { max_source_bytes: 32 << 20, ..ParseOptions::default() };
    let m = parse_with(&src, &opts).expect("parses with a raised cap");
    assert_eq!(m.body.len(), 1);
    // An unterminated one is an error, not a hang or a crash.
    let bad = format!("s = \"{}\n", "a".repeat(20 << 20));
    assert!(parse_with(&bad, &opts).is_err());
}

#[test]
fn errors_on_huge_lines_render_a_window() {
    let src = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let e = parse(&src).expect_err("too deep");
    let text = e.render(&src, "cell");
    assert!(text.len() < 2_000, "rendered diagnostic is {} bytes", text.len());
    assert!(text.contains("nests too deeply"));
}

#[test]
fn garbage_bytes_never_panic() {
    let samples: &[&[u8]] = &[
        b"\xff\xfe\x00",
        b"\"\\",
        b"f'{",
        b"f'{x!",
        b"f'{x:{",
        b"f'{x:{y}",
        b"f\"{'a' if b else c}\" \\",
        b"def f(:\n",
        b")]}",
        b"\t\t\tx",
        b"if x:\n\tpass\n        pass\n",
        b"0x",
        b"0b2",
        b"1e",
        b"1_",
        b"x = 1\\",
        b"'''",
        b"lambda *:",
        b"a[::]\nb[:,:]",
        b"@",
        b"\r\r\r",
        b"\x0c\x0cx",
        b".\x1b@.",
        b"x = '\x1b[31m' +\x07",
    ];
    for s in samples {
        let text = String::from_utf8_lossy(s);
        if let Err(e) = parse(&text) {
            let shown = e.render(&text, "fuzz");
            assert!(
                !shown.chars().any(|c| c.is_control() && c != '\n'),
                "control character in {shown:?}"
            );
        }
    }
}
