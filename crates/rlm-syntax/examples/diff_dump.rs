//! Differential check of a parser change: parses every file of
//! the given directories (`:`-separated) and, for each, ~150 positions with one
//! character deleted or one of 30 snippets (brackets, operators, keywords,
//! indentation) inserted; prints one line per input with a digest of the
//! result (the AST's `Debug`, or the diagnostics and their rendering). Build
//! it before and after the change (separate target directories: two copies
//! of the crate in one directory overwrite each other's library) and `diff`
//! the outputs. Usage:
//! `cargo run --release -p rlm-syntax --example diff_dump -- crates/rlm-syntax/tests/fixtures/ok:crates/rlm-syntax/tests/fixtures/err > out.txt`
use std::hash::{Hash, Hasher};
use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: diff_dump DIR[:DIR...]");
    let mut seeds = Vec::new();
    for d in dir.split(':') {
        let mut ps: Vec<_> =
            std::fs::read_dir(d).expect("a directory").flatten().map(|e| e.path()).collect();
        ps.sort();
        for p in ps {
            if let Ok(s) = std::fs::read_to_string(&p) {
                seeds.push(s);
            }
        }
    }
    let inserts = [
        "(", ")", "[", "]", ":", "=", "+", " ", "\n", ",", "if ", "not ", "*", "**", "lambda ",
        "==", "{", "}", ".", "\"", "f\"", "in ", "is ", "    ", "@", "-", "~", "yield ", "class ",
        "import ",
    ];
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut n = 0usize;
    for s in &seeds {
        let bytes: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let mut variants = vec![s.clone()];
        let step = (bytes.len() / 150).max(1);
        for (k, &i) in bytes.iter().enumerate().step_by(step) {
            if let Some(&j) = bytes.get(k + 1) {
                variants.push(format!("{}{}", &s[..i], &s[j..]));
            }
            for ins in inserts {
                variants.push(format!("{}{}{}", &s[..i], ins, &s[i..]));
            }
        }
        for v in variants {
            let r = rlm_syntax::parse(&v);
            let text = match &r {
                Ok(m) => format!("OK {m:?}"),
                Err(e) => format!("ERR {:?} || {}", e.diagnostics, e.render(&v, "cell")),
            };
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            writeln!(out, "{n} {} {:016x}", if r.is_ok() { "ok" } else { "err" }, h.finish())
                .unwrap();
            n += 1;
        }
    }
    eprintln!("{n} inputs");
}
