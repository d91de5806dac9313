//! A crate's file graph: file A imports file B when A's code proper names B
//! by any path form (`use`, a bare `crate::`/`super::`/`self::`/child-module
//! path, a module brought in by name, `super::*`, or a macro B defines).
//! A circle is a strongly connected set of files.

use std::collections::{BTreeMap, BTreeSet};

use crate::source::paths_after;

/// File → the files it imports, with the names it takes from each.
pub type FileGraph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

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

/// The child modules a file declares (`mod exec;`, `pub(crate) mod re;`).
fn child_modules(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest =
                line.strip_prefix("pub(crate) ").or(line.strip_prefix("pub ")).unwrap_or(line);
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
pub fn file_graph(sources: &[(String, String)]) -> FileGraph {
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
pub fn circles(graph: &FileGraph) -> Vec<BTreeSet<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_graph_sees_every_kind_of_import() {
        let sources: Vec<(String, String)> = [
            ("lib.rs", "mod vm; mod value; pub use crate::vm::Vm;"),
            (
                "vm/mod.rs",
                "mod compare;\npub(crate) use compare::eq_shallow;\nuse crate::value::Value;",
            ),
            ("vm/compare.rs", "use super::*;"),
            ("value.rs", "use crate::{types::{list::List, str::Str}};"),
            ("types/list.rs", "use super::super::vm::Vm;"),
            ("types/str.rs", "use self::inner::X; mod inner;"),
            ("types/str/inner.rs", "struct X;"),
            ("types/mod.rs", "mod list; mod str;"),
        ]
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect();
        let graph = file_graph(&sources);
        let arrows = |from: &str| -> Vec<&str> {
            graph[from].keys().map(String::as_str).collect::<Vec<_>>()
        };
        assert_eq!(arrows("vm/mod.rs"), vec!["value.rs", "vm/compare.rs"]);
        assert_eq!(arrows("vm/compare.rs"), vec!["vm/mod.rs"]);
        assert_eq!(arrows("value.rs"), vec!["types/list.rs", "types/str.rs"]);
        assert_eq!(arrows("types/list.rs"), vec!["vm/mod.rs"]);
        assert_eq!(arrows("types/str.rs"), vec!["types/str/inner.rs"]);
        let found = circles(&graph);
        let sizes: Vec<usize> = found.iter().map(BTreeSet::len).collect();
        assert_eq!(sizes, vec![4]);
        let expected = ["types/list.rs", "value.rs", "vm/compare.rs", "vm/mod.rs"];
        assert!(found[0].iter().map(String::as_str).eq(expected));
    }

    #[test]
    fn the_file_graph_sees_bare_paths_aliases_and_macros() {
        let sources: Vec<(String, String)> = [
            // A bare path through a child module, written in code, no `use`.
            ("modules/mod.rs", "mod re;\nfn f() { re::attrs(); }"),
            // A module brought in by name (`{self, ..}`), then a path through it.
            (
                "modules/re/mod.rs",
                "use crate::modules::{self, x}; fn g() { modules::registry::all(); }",
            ),
            ("modules/registry.rs", "pub fn all() {}"),
            // A macro defined in one file and invoked in another.
            ("vm/mod.rs", "macro_rules! top { () => {} }\nmod exec;"),
            ("vm/exec.rs", "fn h() { let f = top!(); let g = stop!(x); }"),
            ("lib.rs", "mod modules;\nmod vm;"),
        ]
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect();
        let graph = file_graph(&sources);
        let arrows = |from: &str| -> Vec<&str> {
            graph[from].keys().map(String::as_str).collect::<Vec<_>>()
        };
        assert_eq!(arrows("modules/mod.rs"), vec!["modules/re/mod.rs"]);
        assert_eq!(arrows("modules/re/mod.rs"), vec!["modules/mod.rs", "modules/registry.rs"]);
        assert_eq!(arrows("vm/exec.rs"), vec!["vm/mod.rs"]);
        assert!(graph["vm/exec.rs"]["vm/mod.rs"].contains("top!"));
        let found = circles(&graph);
        let sizes: Vec<usize> = found.iter().map(BTreeSet::len).collect();
        // `mod exec;` alone names nothing of `exec.rs`: the one circle is `modules/` and `re/`.
        assert_eq!(sizes, vec![2]);
    }
}
