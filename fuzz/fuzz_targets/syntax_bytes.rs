//! Fuzz the lexer and parser on arbitrary bytes: no input may panic, hang or
//! overflow the stack; a rendered diagnostic must be plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let _ = rlm_syntax::tokenize(&src, &rlm_syntax::ParseOptions::default());
    if let Err(e) = rlm_syntax::parse(&src) {
        let text = e.render(&src, "fuzz");
        assert!(!text.contains('\u{1b}'), "diagnostics must not contain ANSI escapes");
    }
});
