//! A crate's sources as the house tests read them: its `.rs` files under
//! `src/`, each file's code proper, and the paths that code names.

use std::path::{Path, PathBuf};

/// The workspace's crates: `(name, src folder)` for each folder under
/// `crates/` with a `src/`, and `examples/` (`rlm-examples`), by name.
pub fn workspace_crates() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).expect("the workspace's crates/") {
        let dir = entry.expect("an entry").path();
        if dir.join("src").is_dir() {
            let name = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
            out.push((name, dir.join("src")));
        }
    }
    out.push(("rlm-examples".to_string(), root.join("examples/src")));
    out.sort();
    out
}

/// Every `.rs` file under `src`, by its path relative to `src` (`/`-separated).
pub fn source_files(src: &Path) -> Vec<(String, PathBuf)> {
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
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out.sort();
    out
}

/// Every file under `src` with its code proper: `(path under src, code)`.
pub fn crate_sources(src: &Path) -> Vec<(String, String)> {
    source_files(src)
        .into_iter()
        .map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (rel, code_of(&text))
        })
        .collect()
}

/// The code proper: before the unit-test module (`#[cfg(test)] mod ...`),
/// without comments. A test-only item elsewhere (`#[cfg(test)] fn`) counts
/// with the code: cutting at it hid the rest of the file.
pub fn code_of(text: &str) -> String {
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

/// The paths named after `KEYWORD::` (`crate`, `super`, `self` or a module's
/// name) where the keyword starts a path (`super::super::x` is one path,
/// `super::x`), groups expanded (`crate::{a, b::{c, d}}` → `a`, `b::c`, `b::d`).
pub fn paths_after(code: &str, keyword: &str) -> Vec<String> {
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
                expand_path("", item.trim(), &mut out);
            }
        } else {
            expand_path("", rest, &mut out);
        }
    }
    out
}

/// The paths `rest` names (it starts just after `KEYWORD::` or a group's
/// `{`), each after `prefix`.
fn expand_path(prefix: &str, rest: &str, out: &mut Vec<String>) {
    let path: String =
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    let after = &rest[path.len()..];
    if path == "self" && !prefix.is_empty() {
        // `a::{self, b}` names the module `a` itself.
        out.push(prefix.trim_end_matches(':').to_string());
    } else if path.ends_with("::") && after.starts_with('{') {
        let inner = group_body(&after[1..]);
        for item in split_top_level(inner) {
            expand_path(&format!("{prefix}{path}"), item.trim(), out);
        }
    } else if !path.is_empty() {
        out.push(format!("{prefix}{}", path.trim_end_matches(':')));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_expand_and_a_path_inside_another_is_not_counted_twice() {
        let code = "use crate::{a, b::{c, self}}; fn f() { crate::d::e(); x::crate::g(); }";
        assert_eq!(paths_after(code, "crate"), ["a", "b::c", "b", "d::e"]);
    }

    #[test]
    fn comments_and_the_unit_test_module_are_not_code() {
        let text = "use a; // crate::x\n#[cfg(test)]\nfn only() {}\n#[cfg(test)]\nmod tests { use crate::y; }";
        let code = code_of(text);
        assert!(!code.contains("crate::x") && !code.contains("crate::y"));
        assert!(code.contains("fn only"));
    }
}
