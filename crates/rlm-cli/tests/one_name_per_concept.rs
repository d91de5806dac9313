//! One name per concept: no public type name (`pub struct|enum|trait|type`)
//! is defined in two crates of the workspace, so that a name read anywhere
//! (a doc, a log, an error, a review) says which concept it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Names that each crate may define for itself, because Rust's conventions
/// want them so and a reader always sees them qualified by their crate.
const ALLOWED: &[(&str, &str)] = &[
    // `crate::Result<T>` over each crate's own error type: the standard alias.
    ("Result", "each crate's `Result<T, E = ItsError>` alias"),
    ("Error", "each crate's own error type, if it names it so"),
];

/// Source folders are shallow; a deeper walk means a link loop.
const MAX_DEPTH: usize = 12;

fn rust_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    assert!(depth <= MAX_DEPTH, "source tree deeper than {MAX_DEPTH} under {}", dir.display());
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names a line defines publicly: `pub struct X`, `pub enum X`, `pub trait X`, `pub type X`
/// (not `pub(crate)`, which is no one else's business).
fn public_name(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("pub ")?;
    let rest = ["struct ", "enum ", "trait ", "type "].iter().find_map(|k| rest.strip_prefix(k))?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let name = &rest[..end];
    name.starts_with(|c: char| c.is_ascii_uppercase()).then_some(name)
}

#[test]
fn public_type_names_are_defined_in_one_crate_only() {
    let crates_dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut defined: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut scanned = 0;
    let mut crates: Vec<_> = fs::read_dir(crates_dir).unwrap().map(|e| e.unwrap().path()).collect();
    crates.sort();
    for krate in crates {
        let src = krate.join("src");
        if !src.is_dir() {
            continue;
        }
        let name = krate.file_name().unwrap().to_string_lossy().into_owned();
        let mut files = Vec::new();
        rust_files(&src, 0, &mut files);
        for file in files {
            scanned += 1;
            let text = fs::read_to_string(&file).unwrap();
            for line in text.lines() {
                if let Some(t) = public_name(line) {
                    defined.entry(t.to_string()).or_default().insert(name.clone());
                }
            }
        }
    }
    assert!(scanned > 100, "found only {scanned} source files under {}", crates_dir.display());
    assert!(defined.contains_key("RlmConfig"), "the scan missed rlm-config's `RlmConfig`");
    let allowed: BTreeSet<&str> = ALLOWED.iter().map(|(n, _)| *n).collect();
    let clashes: Vec<String> = defined
        .iter()
        .filter(|(n, in_crates)| in_crates.len() > 1 && !allowed.contains(n.as_str()))
        .map(|(n, in_crates)| {
            format!("{n}: {}", in_crates.iter().cloned().collect::<Vec<_>>().join(", "))
        })
        .collect();
    assert!(
        clashes.is_empty(),
        "public type names defined in more than one crate (rename one, saying what it is):\n{}",
        clashes.join("\n")
    );
}

#[test]
fn the_scan_sees_public_definitions_only() {
    assert_eq!(public_name("pub struct Interpreter {"), Some("Interpreter"));
    assert_eq!(public_name("    pub enum SpanOutcome {"), Some("SpanOutcome"));
    assert_eq!(public_name("pub trait Clock: Send + Sync {"), Some("Clock"));
    assert_eq!(
        public_name("pub type Result<T, E = X> = std::result::Result<T, E>;"),
        Some("Result")
    );
    assert_eq!(public_name("pub(crate) struct Hidden;"), None);
    assert_eq!(public_name("struct Private;"), None);
    assert_eq!(public_name("pub fn run() {}"), None);
    assert_eq!(public_name("pub struct lower;"), None);
}
