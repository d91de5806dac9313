//! The workspace's crate graph, read from every `crates/*/Cargo.toml`: it
//! has no cycle, and each front end (rlm-cli, rlm-server, rlm-mcp, rlm-py)
//! depends directly on exactly the crates of its list below: rlm-core (the
//! engine, built by `Rlm::from_config`), rlm-config (the one configuration)
//! and the crates of what that front end alone does. A change inside the
//! engine (the scheduler, the policy, the cache, the adapters' factory)
//! then reaches front ends only through rlm-core. Only `[dependencies]`
//! count: a test may name a leaf crate through `[dev-dependencies]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each front end's allowed direct dependencies among the workspace's
/// crates, each with why the front end names it itself.
const FRONT_ENDS: &[(&str, &[(&str, &str)])] = &[
    (
        "rlm-cli",
        &[
            ("rlm-core", "the engine"),
            ("rlm-config", "the knobs: flags, environment, rlm.toml, `rlm config`"),
            ("rlm-server", "`rlm serve`"),
            ("rlm-mcp", "`rlm mcp`"),
            ("rlm-listen", "the HTTP listener's flags of serve and mcp"),
            ("rlm-context", "loading `--context` sources"),
            ("rlm-trace", "`rlm trace`, `rlm stats`, the run's trace file and progress"),
            ("rlm-syntax", "`rlm check`'s diagnostics"),
            ("rlm-interp", "`rlm exec`/`repl` drive interpreter cells"),
            ("rlm-retrieval", "`rlm index` builds and searches an index"),
            ("rlm-tasks", "`rlm stress`'s generated tasks and rule model"),
        ],
    ),
    (
        "rlm-server",
        &[
            ("rlm-core", "the engine"),
            ("rlm-config", "the one configuration the server is built from"),
            ("rlm-context", "stored contexts and blobs"),
            ("rlm-trace", "stored and streamed traces, metrics"),
            ("rlm-redis", "the cluster's cache and rate limiter (its stores)"),
            ("rlm-queue", "the cluster's job queue"),
            ("rlm-listen", "the HTTP listener"),
        ],
    ),
    (
        "rlm-mcp",
        &[
            ("rlm-core", "the engine"),
            ("rlm-context", "the contexts tool calls name"),
            ("rlm-interp", "the exec tool's cell errors"),
            ("rlm-trace", "runs' traces as resources"),
            ("rlm-retrieval", "the search tool's index"),
            ("rlm-listen", "the HTTP transport's listener"),
        ],
    ),
    (
        "rlm-py",
        &[
            ("rlm-core", "the engine"),
            ("rlm-config", "`RLM(config=...)`"),
            ("rlm-types", "adapters written in Python speak the model types"),
            ("rlm-adapters", "adapters written in Python, the built-in ones by name"),
            ("rlm-interp", "the Sandbox class and its values"),
            ("rlm-syntax", "the Sandbox's parse errors"),
            ("rlm-context", "the Context class"),
            ("rlm-cache", "the FileCache class"),
            ("rlm-trace", "the Trace class and event listeners"),
            ("rlm-retrieval", "retrievers and rerankers written in Python"),
            ("rlm-sched", "the reranker's scheduled calls"),
        ],
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Crate name → the workspace crates in its `[dependencies]`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut manifests = BTreeMap::new();
    for entry in std::fs::read_dir(workspace().join("crates")).expect("crates/") {
        let path = entry.expect("an entry").path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let manifest: toml::Table = toml::from_str(&text).expect("a Cargo.toml parses");
        let name = manifest["package"]["name"].as_str().expect("a package name").to_string();
        manifests.insert(name, manifest);
    }
    let ours: BTreeSet<String> = manifests.keys().cloned().collect();
    manifests
        .iter()
        .map(|(name, manifest)| {
            let deps = manifest
                .get("dependencies")
                .and_then(toml::Value::as_table)
                .map(|t| t.keys().filter(|d| ours.contains(*d)).cloned().collect())
                .unwrap_or_default();
            (name.clone(), deps)
        })
        .collect()
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
fn the_crate_graph_has_no_cycle() {
    let graph = graph();
    assert!(graph.len() > 20, "the workspace's crates are read: {:?}", graph.keys());
    assert_eq!(find_cycle(&graph), None, "a cycle in the crate graph");
    // A cycle is found when there is one (the search itself is checked).
    let mut cyclic = graph.clone();
    cyclic.entry("rlm-types".into()).or_default().insert("rlm-core".into());
    assert!(find_cycle(&cyclic).is_some());
}

#[test]
fn each_front_end_depends_on_exactly_its_list() {
    let graph = graph();
    for (front_end, allowed) in FRONT_ENDS {
        let allowed: BTreeSet<String> = allowed.iter().map(|(c, _)| c.to_string()).collect();
        let actual = graph.get(*front_end).unwrap_or_else(|| panic!("{front_end} is a crate"));
        let extra: Vec<_> = actual.difference(&allowed).collect();
        let unused: Vec<_> = allowed.difference(actual).collect();
        assert!(
            extra.is_empty(),
            "{front_end} depends on {extra:?} beyond its list: reach it through rlm-core, or add \
             it to the list in crates/rlm-core/tests/crate_graph.rs with why (and ARCHITECTURE.md)"
        );
        assert!(unused.is_empty(), "{front_end}'s list names {unused:?}, which it does not use");
    }
}

#[test]
fn the_engine_crate_does_not_depend_on_a_front_end() {
    let graph = graph();
    let front_ends: BTreeSet<&str> = FRONT_ENDS.iter().map(|(f, _)| *f).collect();
    for (name, deps) in &graph {
        if front_ends.contains(name.as_str()) {
            continue;
        }
        let up: Vec<_> = deps.iter().filter(|d| front_ends.contains(d.as_str())).collect();
        assert!(up.is_empty(), "{name} depends on the front end {up:?}");
    }
}
