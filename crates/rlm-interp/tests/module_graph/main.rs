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
    // A call's charge (`call_cost`) reads its operands' sizes, each type's
    // own (`PyType::size`).
    ("types", &["types", "format", "call_cost"]),
    ("machine", &["vm", "compile", "builtins", "modules", "error_info"]),
    ("api", &["lib"]),
];

/// References allowed to point up a layer: (the referring file, or `*` for
/// any; the path named, or a prefix of it ending in `::`; why).
const ALLOWED_UP: &[(&str, &str, &str)] =
    &[("value.rs", "types::", "the `Value` enum holds each type's object (and re-exports them)")];

/// The module a file belongs to: its first path segment (`types/str/mod.rs`
/// → `types`, `value.rs` → `value`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
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

/// rlm-interp's `src/`.
fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every file under `src/` with its code proper.
fn sources() -> Vec<(String, String)> {
    rlm_house::crate_sources(&src())
}

/// The paths a piece of code names after `crate::`, groups expanded.
fn crate_paths(code: &str) -> Vec<String> {
    rlm_house::paths_after(code, "crate")
}

#[test]
fn every_module_is_in_a_layer() {
    let layers = layer_of();
    let files = rlm_house::source_files(&src());
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
