//! No function of rlm-core is longer than 150 lines (issue #34): the crate
//! composes, and a long function is several jobs in one. Reads the sources
//! (rustfmt-formatted: a body ends at the first `}` line at the indentation
//! of its `fn`) and prints the longest:
//! `cargo test -p rlm-core --test suite function_length:: -- --nocapture`.

use std::path::{Path, PathBuf};

/// The longest a function may be, signature and closing brace included.
const MAX_LINES: usize = 150;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The name of the function a line starts, and the line's indentation.
fn fn_start(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let mut rest = trimmed;
    for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async ", "unsafe "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let name = rest.strip_prefix("fn ")?;
    let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name.len());
    (end > 0).then(|| (&name[..end], indent))
}

/// (lines, name) of each function with a body in `text`.
fn function_lengths(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some((name, indent)) = fn_start(line) else { continue };
        let close = format!("{indent}}}");
        let mut opened = false;
        for (offset, l) in lines[start..].iter().enumerate() {
            let t = l.trim_end();
            if !opened {
                if t.ends_with('{') {
                    opened = true;
                } else if t.ends_with('}') && t.contains('{') {
                    out.push((offset + 1, name.to_string()));
                    break;
                } else if t.ends_with(';') {
                    break; // a declaration without a body
                }
            } else if t == close {
                out.push((offset + 1, name.to_string()));
                break;
            }
        }
    }
    out
}

#[test]
fn no_function_is_longer_than_150_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut all: Vec<(usize, String)> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let shown = file.strip_prefix(&src).unwrap_or(file).display().to_string();
        for (n, name) in function_lengths(&text) {
            all.push((n, format!("{shown}: {name}")));
        }
    }
    all.sort_by(|a, b| b.cmp(a));
    for (n, name) in all.iter().take(5) {
        println!("{n:4} {name}");
    }
    assert!(all.len() > 100, "the scanner found only {} functions", all.len());
    let long: Vec<_> = all.iter().filter(|(n, _)| *n > MAX_LINES).collect();
    assert!(long.is_empty(), "functions over {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_scanner_measures_bodies_and_skips_declarations() {
    let text = "fn a() {\n    x();\n}\n\ntrait T {\n    fn b(&self);\n    fn c(&self) {}\n}\n\
                pub(crate) async fn d(\n    y: u8,\n) -> u8 {\n    y\n}\n";
    assert_eq!(
        function_lengths(text),
        vec![(3, "a".to_string()), (1, "c".to_string()), (5, "d".to_string())]
    );
}
