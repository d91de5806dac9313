//! rlm-core's modules import each other without a cycle (the circle around
//! `Inner` that `rlm.rs`, `run.rs`, `serve.rs`, `host.rs` and `subcalls.rs`
//! formed is gone and must not come back). Reads the sources through
//! rlm-house: a module `A` imports `B` when a file of `A` names a file of
//! `B` by any path form. The graph
//! ARCHITECTURE.md draws (the block after "rlm-core module graph") must be
//! this one; on a difference the test prints the block to paste:
//! `cargo test -p rlm-core --test suite module_graph:: -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module a file belongs to: its first path segment (`run_loop/mod.rs`
/// → `run_loop`, `rlm.rs` → `rlm`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// Module → the modules it names: the workspace's file graph
/// (`rlm_house::file_graph`, every path form) with each file read as its
/// module; the crate root (`lib.rs`) names everything and is left out.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rlm_house::file_graph(&rlm_house::crate_sources(&src));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in &files {
        let module = module_of(from);
        if module == "lib" {
            continue;
        }
        let deps = graph.entry(module.to_string()).or_default();
        for target in to.keys().map(|t| module_of(t)) {
            if target != module && target != "lib" {
                deps.insert(target.to_string());
            }
        }
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
