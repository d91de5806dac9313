//! The store's files import each other without a circle of more than 5
//! (issue #83: `store/` was one 30-file circle). A file imports another
//! when its code proper (comments and unit tests left out) names it by any
//! path form: `use`, a bare `crate::`/`super::`/`self::` path, a child
//! module's name (`pub use child::Item` in a parent too), `super::*`, a
//! module brought in by name, or a macro the other defines. A circle is a
//! strongly connected set of files. Prints every circle of the crate:
//! `cargo test -p rlm-server --test suite store_circles:: -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most files a circle with a file of `store/` may hold.
const LARGEST_STORE_CIRCLE: usize = 5;

/// File → the files it imports, with the names it takes from each.
type FileGraph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The `.rs` files under `src/`, each with its path relative to it.
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

/// Each source file (its path under `src/`) with its code proper.
fn sources() -> Vec<(String, String)> {
    files()
        .into_iter()
        .map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (rel, code_of(&text))
        })
        .collect()
}

/// The module path of a file (`types/str/mod.rs` → `types::str`).
fn module_path(rel: &str) -> Vec<String> {
    let mut segs: Vec<String> =
        rel.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|s| s == "mod" || s == "lib") {
        segs.pop();
    }
    segs
}

/// The file that defines a module path: the longest prefix of it that is a
/// file (an item's path ends in the item, not a file); `lib.rs` for the root.
fn file_of(segs: &[String], known: &BTreeSet<&str>) -> String {
    for n in (1..=segs.len()).rev() {
        let base = segs[..n].join("/");
        for candidate in [format!("{base}.rs"), format!("{base}/mod.rs")] {
            if known.contains(candidate.as_str()) {
                return candidate;
            }
        }
    }
    "lib.rs".to_string()
}

/// A path relative to a module, with its `super` steps taken.
fn absolute(base: &[String], path: &str) -> Vec<String> {
    let mut out: Vec<String> = base.to_vec();
    for seg in path.split("::").filter(|s| !s.is_empty()) {
        if seg == "super" {
            out.pop();
        } else {
            out.push(seg.to_string());
        }
    }
    out
}

/// The child modules a file declares (`mod exec;`, `mod re;`).
fn child_modules(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("").or(line.strip_prefix("pub ")).unwrap_or(line);
            let name = rest.strip_prefix("mod ")?.strip_suffix(';')?.trim();
            name.chars().all(|c| c.is_alphanumeric() || c == '_').then(|| name.to_string())
        })
        .collect()
}

/// The paths a file names, each relative to the crate root: after
/// `crate::`, `super::` or `self::`, after one of its child modules' names
/// (`mod exec;` then `exec::run` or `use exec::{a, b}`), or `super::*`.
fn named_paths(rel: &str, code: &str) -> Vec<Vec<String>> {
    let me = module_path(rel);
    let parent = &me[..me.len().saturating_sub(1)];
    let mut out: Vec<Vec<String>> = Vec::new();
    out.extend(paths_after(code, "crate").iter().map(|p| absolute(&[], p)));
    out.extend(paths_after(code, "super").iter().map(|p| absolute(parent, p)));
    out.extend(paths_after(code, "self").iter().map(|p| absolute(&me, p)));
    if code.contains("super::*") {
        out.push(parent.to_vec());
    }
    for child in child_modules(code) {
        let base = absolute(&me, &child);
        out.extend(paths_after(code, &child).iter().map(|p| absolute(&base, p)));
    }
    out
}

/// The paths named through a module brought in by name (`use
/// crate::types::str::search;` or `search::{self, Reader}`, then
/// `search::find(..)`): each module among `named`, its last segment read as
/// a path's first.
fn paths_through_aliases(
    code: &str,
    named: &[Vec<String>],
    known: &BTreeSet<&str>,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let modules: BTreeSet<&Vec<String>> =
        named.iter().filter(|p| !p.is_empty() && is_module(p, known)).collect();
    for module in modules {
        let alias = &module[module.len() - 1];
        out.extend(paths_after(code, alias).iter().map(|p| absolute(module, p)));
    }
    out
}

/// Whether a path names a module of the crate (`a/b.rs` or `a/b/mod.rs`
/// defines it), not an item.
fn is_module(segs: &[String], known: &BTreeSet<&str>) -> bool {
    let base = segs.join("/");
    known.contains(format!("{base}.rs").as_str())
        || known.contains(format!("{base}/mod.rs").as_str())
}

/// The macros a file defines (`macro_rules! top`), by name.
fn macros_defined(code: &str) -> Vec<String> {
    code.match_indices("macro_rules!")
        .map(|(at, m)| {
            code[at + m.len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Whether `code` invokes the macro `name` (`name!(`, `name![`, `name!{`).
fn invokes(code: &str, name: &str) -> bool {
    let needle = format!("{name}!");
    code.match_indices(&needle).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && after.is_some_and(|c| matches!(c, '(' | '[' | '{'))
    })
}

/// The file graph of sources given as (path under `src/`, code proper).
fn file_graph(sources: &[(String, String)]) -> FileGraph {
    let known: BTreeSet<&str> = sources.iter().map(|(r, _)| r.as_str()).collect();
    let macros: Vec<(&String, String)> = sources
        .iter()
        .flat_map(|(rel, code)| macros_defined(code).into_iter().map(move |m| (rel, m)))
        .collect();
    let mut graph = FileGraph::new();
    for (rel, code) in sources {
        let edges = graph.entry(rel.clone()).or_default();
        let mut paths = named_paths(rel, code);
        paths.extend(paths_through_aliases(code, &paths, &known));
        for path in paths {
            let target = file_of(&path, &known);
            if target != *rel {
                let name = path.last().cloned().unwrap_or_default();
                edges.entry(target).or_default().insert(name);
            }
        }
        for (defined_in, name) in &macros {
            if *defined_in != rel && invokes(code, name) {
                edges.entry((*defined_in).clone()).or_default().insert(format!("{name}!"));
            }
        }
    }
    graph
}

/// The files reachable from `start` along the graph's arrows (or against
/// them, `backwards`), `start` included.
fn reach(graph: &FileGraph, start: &str, backwards: bool) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut todo = vec![start.to_string()];
    while let Some(file) = todo.pop() {
        let next: Vec<&String> = if backwards {
            graph.iter().filter(|(_, to)| to.contains_key(&file)).map(|(from, _)| from).collect()
        } else {
            graph.get(&file).map(|to| to.keys().collect()).unwrap_or_default()
        };
        for n in next {
            if seen.insert(n.clone()) {
                todo.push(n.clone());
            }
        }
    }
    seen
}

/// The circles of a graph (each a set of two or more files), largest first.
fn circles(graph: &FileGraph) -> Vec<BTreeSet<String>> {
    let mut placed = BTreeSet::new();
    let mut out = Vec::new();
    for file in graph.keys() {
        if placed.contains(file) {
            continue;
        }
        let forward = reach(graph, file, false);
        let circle: BTreeSet<String> =
            reach(graph, file, true).intersection(&forward).cloned().collect();
        placed.extend(circle.iter().cloned());
        if circle.len() > 1 {
            out.push(circle);
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.len()));
    out
}

#[test]
fn the_store_has_no_circle_of_more_than_five_files() {
    let graph = file_graph(&sources());
    assert!(graph.contains_key("store/mod.rs"), "the sources were not read");
    let found = circles(&graph);
    for c in &found {
        println!("circle of {}: {}", c.len(), c.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    for c in found.iter().filter(|c| c.iter().any(|f| f.starts_with("store/"))) {
        assert!(
            c.len() <= LARGEST_STORE_CIRCLE,
            "a circle of {} files holds the store's: {c:?}",
            c.len()
        );
    }
}
