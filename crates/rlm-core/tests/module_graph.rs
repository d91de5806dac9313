//! rlm-core's modules import each other without a cycle (the circle around
//! `Inner` that `rlm.rs`, `run.rs`, `serve.rs`, `host.rs` and `subcalls.rs`
//! formed is gone and must not come back). Reads the sources: a module `A`
//! imports `B` when `A`'s non-test code names `crate::B`. The graph
//! ARCHITECTURE.md draws (the block after "rlm-core module graph") must be
//! this one; on a difference the test prints the block to paste:
//! `cargo test -p rlm-core --test suite module_graph:: -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name → the source of its files (a folder module's files together).
fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |module: String, path: &Path| {
        let text = std::fs::read_to_string(path).expect("a readable source file");
        // Unit tests may reach anywhere; only the code proper counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
        out.entry(module).or_default().push_str(&code);
    };
    for entry in std::fs::read_dir(&src).expect("src/") {
        let path = entry.expect("an entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.is_dir() {
            for file in std::fs::read_dir(&path).expect("a module folder") {
                let file = file.expect("an entry").path();
                if file.extension().is_some_and(|e| e == "rs") {
                    add(name.clone(), &file);
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" {
            add(name, &path);
        }
    }
    out
}

/// Module → the modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let path = regex::Regex::new(r"crate::([a-z_]+)").expect("a regex");
    let group = regex::Regex::new(r"crate::\{([^}]*)\}").expect("a regex");
    let mut graph = BTreeMap::new();
    for (module, code) in &sources {
        let mut deps: BTreeSet<String> =
            path.captures_iter(code).map(|c| c[1].to_string()).collect();
        for g in group.captures_iter(code) {
            for item in g[1].split(',') {
                let head = item.trim().split("::").next().unwrap_or_default().trim();
                if !head.is_empty() {
                    deps.insert(head.to_string());
                }
            }
        }
        deps.retain(|d| d != module && sources.contains_key(d));
        graph.insert(module.clone(), deps);
    }
    graph
}

/// A cycle, if the graph has one (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let graph = graph();
    for (module, deps) in &graph {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        println!("{module} -> {}", deps.join(", "));
    }
    // The sources were read: the loop uses the serving, the API the loop.
    assert!(graph["run_loop"].contains("serving") && graph["rlm"].contains("run_loop"));
    assert_eq!(find_cycle(&graph), None);
}

/// The graph as ARCHITECTURE.md writes it: one `module -> a, b` line per
/// module (`-` for none).
fn render(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(module, deps)| {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            format!(
                "{module} -> {}\n",
                if deps.is_empty() { "-".to_string() } else { deps.join(", ") }
            )
        })
        .collect()
}

/// The fenced block that follows the "rlm-core module graph" marker in ARCHITECTURE.md.
fn drawn_graph() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).expect("ARCHITECTURE.md at the workspace root");
    let after = doc.split("rlm-core module graph").nth(1).expect("the marker in ARCHITECTURE.md");
    let block = after.split("```").nth(1).expect("a fenced block after the marker");
    block.trim_start_matches("text").trim_start_matches('\n').to_string()
}

#[test]
fn architecture_md_draws_this_graph() {
    let graph = render(&graph());
    let drawn = drawn_graph();
    if graph != drawn {
        println!("ARCHITECTURE.md's block should read:\n```text\n{graph}```");
    }
    assert_eq!(drawn, graph, "ARCHITECTURE.md's rlm-core module graph is out of date");
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let edge = |a: &str, b: &str| (a.to_string(), BTreeSet::from([b.to_string()]));
    let graph = BTreeMap::from([edge("rlm", "run"), edge("run", "serve"), edge("serve", "rlm")]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["rlm".into(), "run".into(), "serve".into(), "rlm".into()])
    );
}
