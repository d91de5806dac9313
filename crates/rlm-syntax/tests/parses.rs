//! `parses` gives the answer of `parse(..).is_ok()` (it skips the explaining
//! pass of a failure): checked on every fixture, valid and invalid, and on
//! the prose, code and broken code a model's reply holds.

use std::path::PathBuf;

fn fixtures() -> Vec<(PathBuf, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for dir in ["ok", "err"] {
        let entries = std::fs::read_dir(root.join(dir)).expect("the fixtures folder");
        for entry in entries {
            let path = entry.expect("a fixture").path();
            if path.extension().is_some_and(|e| e == "py") {
                let src = std::fs::read_to_string(&path).expect("a UTF-8 fixture");
                out.push((path, src));
            }
        }
    }
    out
}

const TEXTS: &[&str] = &[
    "",
    "   \n",
    "print(len(context))",
    "x = 1\nif x:\n    print(x)\n",
    "Yes",
    "42",
    "The answer is 42.",
    "Let me look at the corpus first.",
    "The counts and the sub-model answers are in the output above.\nFINAL(f\"{a} ({b})\")",
    "I think the answer is in the file.",
    "Let me look.\nx = (\nThen count.",
    "i = 0\nwhile True\n    i += 1",
    "x = [1, 2\nclass A:\n    pass",
    "print('unclosed)",
    "s = \"it's\"\nprint(s)",
    "def f(x):\n    return x +\n",
    "for i in range(3): print(i)",
    "with open('f') as f:\n    pass",
    "lambda: (yield)",
    "x = ((((((((((1))))))))))",
    "FINAL(it's done)",
    "\tprint(1)",
    "print(1)\n  print(2)",
    "a = f'{x!r:>{width}}'",
    "b = 0x_1",
    "🙂 = 1",
];

#[test]
fn parses_agrees_with_parse() {
    let fixtures = fixtures();
    assert!(fixtures.len() > 40, "{} fixtures", fixtures.len());
    let mut valid = 0;
    for (path, src) in &fixtures {
        let expected = rlm_syntax::parse(src).is_ok();
        valid += usize::from(expected);
        assert_eq!(rlm_syntax::parses(src), expected, "{}", path.display());
        // Every prefix by lines too: unclosed blocks, brackets and strings.
        let lines: Vec<&str> = src.lines().collect();
        for n in 0..lines.len() {
            let prefix = lines[..n].join("\n");
            assert_eq!(
                rlm_syntax::parses(&prefix),
                rlm_syntax::parse(&prefix).is_ok(),
                "{} cut at line {n}",
                path.display()
            );
        }
    }
    assert!(valid >= 20, "{valid} valid fixtures");
    for text in TEXTS {
        assert_eq!(rlm_syntax::parses(text), rlm_syntax::parse(text).is_ok(), "{text:?}");
    }
    assert!(rlm_syntax::parses("print(len(context))"));
    assert!(!rlm_syntax::parses("The answer is 42."));
}

#[test]
fn parses_with_keeps_the_limits() {
    let tight = rlm_syntax::ParseOptions { max_source_bytes: 8, max_nesting: 3 };
    for text in ["x = 1", "print(123456789)", "x = ((((1))))", "x = (1)"] {
        assert_eq!(
            rlm_syntax::parses_with(text, &tight),
            rlm_syntax::parse_with(text, &tight).is_ok(),
            "{text:?}"
        );
    }
    assert!(!rlm_syntax::parses_with("print(123456789)", &tight));
}
