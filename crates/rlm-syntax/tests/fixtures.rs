//! Golden tests: one snapshot per fixture file.
//!
//! `fixtures/ok/*.py` must parse; their snapshot is the S-expression dump of
//! the AST. `fixtures/err/*.py` must fail; their snapshot is the rendered
//! diagnostic text, exactly what the model reads. Every `ok` fixture is also
//! checked against CPython's own parser (the DSL is a strict subset of Python)
//! and must survive the unparse/re-parse round trip.
//!
//! Review changed snapshots with `cargo insta review` (or set
//! `INSTA_UPDATE=always` and read the `.snap` diffs in git).

use std::path::Path;
use std::process::Command;

use rlm_syntax::printer::{sexpr, unparse};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn ok_fixtures_parse() {
    insta::glob!("fixtures/ok/*.py", |path| {
        let src = read(path);
        let module = match rlm_syntax::parse(&src) {
            Ok(m) => m,
            Err(e) => panic!("{} failed to parse:\n{}", path.display(), e.render(&src, "fixture")),
        };
        insta::assert_snapshot!(sexpr(&module));
    });
}

#[test]
fn ok_fixtures_round_trip() {
    insta::glob!("fixtures/ok/*.py", |path| {
        let src = read(path);
        let first = rlm_syntax::parse(&src).expect("parses");
        let printed = unparse(&first);
        let second = match rlm_syntax::parse(&printed) {
            Ok(m) => m,
            Err(e) => panic!(
                "unparse of {} does not re-parse:\n{printed}\n{}",
                path.display(),
                e.render(&printed, "unparsed")
            ),
        };
        assert_eq!(
            sexpr(&first),
            sexpr(&second),
            "round trip changed {}:\n{printed}",
            path.display()
        );
    });
}

#[test]
fn err_fixtures_report() {
    insta::glob!("fixtures/err/*.py", |path| {
        let src = read(path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fixture");
        match rlm_syntax::parse(&src) {
            Ok(m) => panic!("{} parsed but should not have:\n{}", path.display(), sexpr(&m)),
            Err(e) => {
                let text = e.render(&src, name);
                assert!(!text.contains('\u{1b}'), "diagnostics must be plain text (no ANSI)");
                insta::assert_snapshot!(text);
            }
        }
    });
}

rlm_testenv::needs_python3! {
    /// The DSL is a strict subset of Python: every fixture we accept, CPython
    /// accepts too (with top-level `await`, as in a notebook or our REPL).
    #[test]
    fn ok_fixtures_are_valid_cpython() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok");
        let script = r#"
import ast, sys, pathlib
bad = []
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.py")):
    try:
        compile(p.read_bytes(), str(p), "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as e:
        bad.append(f"{p.name}: {e}")
print("\n".join(bad))
"#;
        let out =
            Command::new("python3").arg("-c").arg(script).arg(&dir).output().expect("python3 runs");
        assert!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
        let bad = String::from_utf8_lossy(&out.stdout);
        assert!(bad.trim().is_empty(), "fixtures CPython rejects:\n{bad}");
    }
}
