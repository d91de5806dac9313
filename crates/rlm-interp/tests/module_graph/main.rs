//! rlm-interp's modules keep to their layers: the core (values, faults,
//! memory accounting, limits, the cost model) names nothing above it, the
//! types name the core, and the machine (the `Vm`'s loop, the compiler,
//! builtins, modules) names anything below. Reads the sources: a file names
//! an item when its non-test code, comments left out, says `crate::PATH`
//! (`use crate::{a, b::c}` groups too). A name that points up a layer fails
//! the test unless it is one of the few listed in `ALLOWED_UP` with the
//! reason the design keeps it; an entry no code uses any more fails too, so
//! the list only shrinks. Prints the references that go up:
//! `cargo test -p rlm-interp --test module_graph -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod circles;
mod vm_fields;

/// The layers, lowest first, and the modules (files or folders under `src/`)
/// in each. A new module must be placed here.
const LAYERS: &[(&str, &[&str])] = &[
    ("leaf", &["unicode_tables", "unicode", "parse_cache"]),
    (
        "core",
        &[
            "limits",
            "cost",
            "code",
            "value",
            "fault",
            "args",
            "mem",
            "epoch",
            "meter",
            "paid",
            "call_cost",
            "callbacks",
            "gc",
            "adopt",
            "charged",
            "stack_guard",
            "host",
            "signature",
            "json_value",
            "snapshot",
            "undo",
        ],
    ),
    ("types", &["types", "format"]),
    ("machine", &["vm", "compile", "builtins", "modules", "error_info"]),
    ("api", &["lib"]),
];

/// References allowed to point up a layer: (the referring file, or `*` for
/// any; the path named, or a prefix of it ending in `::`; why).
const ALLOWED_UP: &[(&str, &str, &str)] =
    &[("value.rs", "types::", "the `Value` enum holds each type's object (and re-exports them)")];

/// Every `.rs` file under `src/`, by its path relative to `src/`.
fn files() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
        for entry in std::fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src").to_string_lossy();
                out.push((rel.replace('\\', "/"), path.clone()));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&src, &src, &mut out);
    out.sort();
    out
}

/// The module a file belongs to: its first path segment (`types/str/mod.rs`
/// → `types`, `value.rs` → `value`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code proper: before the unit-test module (`#[cfg(test)] mod ...`),
/// without comments. A test-only item elsewhere (`#[cfg(test)] fn`) counts
/// with the code: cutting at it hid the rest of the file.
fn code_of(text: &str) -> String {
    let mut end = text.len();
    for (at, _) in text.match_indices("#[cfg(test)]") {
        if text[at + "#[cfg(test)]".len()..].trim_start().starts_with("mod ") {
            end = at;
            break;
        }
    }
    text[..end]
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a piece of code names after `crate::`, groups expanded
/// (`crate::{a, b::{c, d}}` → `a`, `b::c`, `b::d`).
fn crate_paths(code: &str) -> Vec<String> {
    paths_after(code, "crate")
}

/// The paths named after `KEYWORD::` (`crate`, `super` or `self`) where the
/// keyword starts a path (`super::super::x` is one path, `super::x`), groups
/// expanded.
fn paths_after(code: &str, keyword: &str) -> Vec<String> {
    fn expand(prefix: &str, rest: &str, out: &mut Vec<String>) {
        // `rest` starts just after `KEYWORD::` or after a group's `{`.
        let path: String =
            rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        let after = &rest[path.len()..];
        if path == "self" && !prefix.is_empty() {
            // `a::{self, b}` names the module `a` itself.
            out.push(prefix.trim_end_matches(':').to_string());
        } else if path.ends_with("::") && after.starts_with('{') {
            let inner = group_body(&after[1..]);
            for item in split_top_level(inner) {
                expand(&format!("{prefix}{path}"), item.trim(), out);
            }
        } else if !path.is_empty() {
            out.push(format!("{prefix}{}", path.trim_end_matches(':')));
        }
    }
    let needle = format!("{keyword}::");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = code[at..].find(&needle) {
        let begin = at + found;
        let start = begin + needle.len();
        at = start;
        let before = code[..begin].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[start..];
        if let Some(body) = rest.strip_prefix('{') {
            for item in split_top_level(group_body(body)) {
                expand("", item.trim(), &mut out);
            }
        } else {
            expand("", rest, &mut out);
        }
    }
    out
}

/// The text of a `{ ... }` group whose `{` was just passed.
fn group_body(text: &str) -> &str {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// A group's items, split at its own commas.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut out, mut depth, mut from) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[from..]);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// The layer of each module.
fn layer_of() -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for (i, (_, modules)) in LAYERS.iter().enumerate() {
        for m in *modules {
            out.insert(*m, i);
        }
    }
    out
}

/// The module a path names (`types::str::Str` → `types`); a name that is no
/// module is `lib.rs`'s own.
fn target_of(path: &str, layers: &BTreeMap<&str, usize>) -> String {
    let head = path.split("::").next().unwrap_or_default();
    if layers.contains_key(head) { head.to_string() } else { "lib".to_string() }
}

/// References up a layer: (file, path named).
fn upward(
    sources: &[(String, String)],
    layers: &BTreeMap<&str, usize>,
) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (rel, code) in sources {
        let from = layers[module_of(rel)];
        for path in crate_paths(code) {
            let to = target_of(&path, layers);
            if to != module_of(rel) && layers[to.as_str()] > from {
                out.insert((rel.clone(), path));
            }
        }
    }
    out
}

/// The entry of `ALLOWED_UP` that allows `path` named in `file`.
fn allowed(file: &str, path: &str) -> Option<usize> {
    ALLOWED_UP.iter().position(|(f, p, _)| {
        (*f == "*" || *f == file)
            && (path == *p
                || (p.ends_with("::") && path.starts_with(p))
                || path.starts_with(&format!("{p}::")))
    })
}

fn sources() -> Vec<(String, String)> {
    files()
        .into_iter()
        .map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (rel, code_of(&text))
        })
        .collect()
}

#[test]
fn every_module_is_in_a_layer() {
    let layers = layer_of();
    let files = files();
    let missing: BTreeSet<&str> =
        files.iter().map(|(rel, _)| module_of(rel)).filter(|m| !layers.contains_key(m)).collect();
    assert!(missing.is_empty(), "place these modules in LAYERS: {missing:?}");
}

#[test]
fn names_point_down_the_layers_but_for_the_listed_few() {
    let layers = layer_of();
    let sources = sources();
    let up = upward(&sources, &layers);
    let mut used = vec![false; ALLOWED_UP.len()];
    let mut wrong = Vec::new();
    for (file, path) in &up {
        match allowed(file, path) {
            Some(i) => used[i] = true,
            None => wrong.push(format!("{file} names crate::{path}")),
        }
        println!("{file} -> {path}");
    }
    assert!(wrong.is_empty(), "names pointing up a layer: {wrong:#?}");
    let stale: Vec<_> =
        ALLOWED_UP.iter().zip(&used).filter(|(_, u)| !**u).map(|((f, p, _), _)| (f, p)).collect();
    assert!(stale.is_empty(), "ALLOWED_UP entries no code uses any more: {stale:?}");
    // The sources were read: the machine names the types, the types the core.
    let names = |file: &str, path: &str| {
        sources.iter().any(|(r, c)| r == file && crate_paths(c).iter().any(|p| p.starts_with(path)))
    };
    assert!(names("vm/binary.rs", "types::int") && names("types/list/mod.rs", "value"));
}

#[test]
fn the_check_sees_a_name_pointing_up() {
    let layers = layer_of();
    let sources = vec![
        ("fault.rs".to_string(), "use crate::{value::*, vm::{Vm, tasks::Task}};".to_string()),
        ("mem.rs".to_string(), "let n = crate::builtins::cost::size_of(v);".to_string()),
        ("types/list.rs".to_string(), "use crate::{Limits, mem::Account};".to_string()),
    ];
    let up = upward(&sources, &layers);
    let got: Vec<(&str, &str)> = up.iter().map(|(f, p)| (f.as_str(), p.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("fault.rs", "vm::Vm"),
            ("fault.rs", "vm::tasks::Task"),
            ("mem.rs", "builtins::cost::size_of"),
            ("types/list.rs", "Limits"),
        ]
    );
    assert!(allowed("value.rs", "types::list::ListObj").is_some());
    assert_eq!(allowed("fault.rs", "vm::Vm"), None);
    assert_eq!(allowed("fault.rs", "vm::tasks::Task"), None);
    assert_eq!(allowed("mem.rs", "builtins::cost::size_of"), None);
    assert_eq!(allowed("types/list.rs", "Limits"), None);
}
