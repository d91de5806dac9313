//! Each diagnostic carries a typed kind, so callers (the REPL deciding
//! whether input is finished, the parser dropping echo errors) never match
//! message text.

use rlm_syntax::{DiagnosticKind, parse};

fn kinds(source: &str) -> Vec<DiagnosticKind> {
    match parse(source) {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics.iter().map(|d| d.kind).collect(),
    }
}

#[test]
fn unclosed_bracket_is_typed_and_swallows_the_rest() {
    let k = kinds("f(1,\nx = 2\n");
    assert_eq!(k, vec![DiagnosticKind::UnclosedBracket]);
    assert!(k[0].swallows_rest());
}

#[test]
fn unterminated_strings_say_whether_they_are_triple_quoted() {
    assert_eq!(kinds("s = \"\"\"abc\n"), vec![DiagnosticKind::UnterminatedString { triple: true }]);
    assert!(kinds("s = 'abc\n").contains(&DiagnosticKind::UnterminatedString { triple: false }));
}

#[test]
fn input_that_stops_early_is_unexpected_end_and_other_errors_are_other() {
    assert_eq!(kinds("if x:\n"), vec![DiagnosticKind::UnexpectedEnd]);
    // The line ended, not the input: the REPL asks for more by position instead.
    assert_eq!(kinds("x = 1 +"), vec![DiagnosticKind::Other]);
    let extra = kinds("x = [1, 2]]\n");
    assert!(!extra.is_empty());
    assert!(extra.iter().all(|k| *k == DiagnosticKind::Other), "{extra:?}");
    assert!(!DiagnosticKind::Other.swallows_rest());
}
