//! Unit tests of the lexer: string values, escapes, numbers and the nesting budget.

use super::*;

fn string_value(src: &str) -> Result<String, String> {
    let l = lex(src, 200);
    if let Some(e) = l.errors.first() {
        return Err(e.message.clone());
    }
    l.tokens
        .iter()
        .find_map(|&(t, _)| match l.strings.token(t) {
            Token::Str(s) => Some(s.to_string()),
            _ => None,
        })
        .ok_or_else(|| "no string token".to_string())
}

#[test]
fn named_escapes() {
    assert_eq!(
        string_value(r#"x = "\N{BULLET} \N{greek small letter alpha}""#).as_deref(),
        Ok("• α")
    );
    assert_eq!(string_value(r#"x = r"\N{BULLET}""#).as_deref(), Ok(r"\N{BULLET}"));
    let f = lex(r#"x = f"{1}\N{BULLET}""#, 200);
    assert!(f.errors.is_empty());
    assert!(
        f.tokens.iter().any(|&(t, _)| matches!(f.strings.token(t), Token::FMiddle(m) if m == "•"))
    );
    assert!(
        string_value(r#"x = "\N{NO SUCH NAME}""#)
            .unwrap_err()
            .contains("unknown Unicode character name")
    );
    assert!(string_value(r#"x = "\N{BULLET""#).unwrap_err().contains("malformed"));
    assert!(string_value(r#"x = "\N""#).unwrap_err().contains("malformed"));
}

rlm_testenv::needs_python3! {
    /// Every character name CPython's unicodedata knows (upper- and
    /// lowercase) decodes to the same character; skipped without python3.
    #[test]
    fn every_cpython_character_name_decodes() {
        let script = r#"
import sys, unicodedata
for cp in range(sys.maxunicode + 1):
    n = unicodedata.name(chr(cp), None)
    if n:
        print(f"{cp:x} {n}")
"#;
        let Ok(o) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
            panic!("python3 did not start (needed: the test environment probed it)");
        };
        let text = String::from_utf8(o.stdout).expect("utf-8");
        let mut src_upper = String::from("x = \"");
        let mut src_lower = String::from("x = \"");
        let mut want = String::new();
        for line in text.lines() {
            let Some((cp, name)) = line.split_once(' ') else { continue };
            let cp = u32::from_str_radix(cp, 16).expect("hex");
            want.push(char::from_u32(cp).expect("char"));
            src_upper.push_str(&format!("\\N{{{name}}}"));
            src_lower.push_str(&format!("\\N{{{}}}", name.to_lowercase()));
        }
        assert!(want.chars().count() > 100_000, "python3 listed too few names");
        src_upper.push('"');
        src_lower.push('"');
        assert!(string_value(&src_upper) == Ok(want.clone()), "upper-case names differ");
        assert!(string_value(&src_lower) == Ok(want), "lower-case names differ");
    }
}
