//! Fuzz the parser with programs assembled from Python fragments (keywords,
//! operators, literals, brackets, f-string pieces, newlines and indentation),
//! which reach far deeper into the grammar than random bytes. Properties: no
//! panic, and every accepted program survives unparse -> re-parse unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FRAGMENTS: &[&str] = &[
    "x", "y", "f", "s", "print", "len", "re", "0", "1", "-1", "2.5", "1e3", "0x1f", "10_000",
    "'a'", "\"b\"", "r'\\d+'", "'''t'''", "f'{x}'", "f\"{x!r:>{w}}\"", "f'{x=}'", "f'{{'",
    "None", "True", "False", "...", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "==",
    "!=", "<", "<=", ">", ">=", "+", "-", "*", "**", "/", "//", "%", "@", "&", "|", "^", "~", "<<",
    ">>", "+=", "-=", "*=", ":=", "->", "not", "and", "or", "in", "is", "if", "else", "elif",
    "for", "while", "def", "return", "lambda", "try", "except", "finally", "raise", "from",
    "import", "as", "assert", "del", "pass", "break", "continue", "await", "async", "class",
    "with", "yield", "global", "\n", "\n    ", "\n        ", "\n", ":\n    ", "#c\n", "\\\n",
];

fuzz_target!(|data: &[u8]| {
    let mut src = String::new();
    for &b in data {
        src.push_str(FRAGMENTS[b as usize % FRAGMENTS.len()]);
        src.push(' ');
    }
    if let Ok(module) = rlm_syntax::parse(&src) {
        let printed = rlm_syntax::printer::unparse(&module);
        match rlm_syntax::parse(&printed) {
            Ok(again) => assert_eq!(
                rlm_syntax::printer::sexpr(&module),
                rlm_syntax::printer::sexpr(&again),
                "round trip changed the tree:\n{src}\n---\n{printed}"
            ),
            Err(e) => panic!("unparse output does not parse:\n{src}\n---\n{printed}\n{}", e.render(&printed, "p")),
        }
    }
});
