//! ARCHITECTURE.md states only what a test checks, and this test keeps its
//! own part of that true:
//! - the crate graph block is the graph the `Cargo.toml`s declare (on a
//!   difference it prints the block to paste:
//!   `cargo test -p rlm-core --test suite architecture:: -- --nocapture`), with no
//!   cycle, and the interpreter's crates name no LLM, HTTP or async crate;
//! - each front end depends on exactly the crates its bullet of "The front
//!   ends' dependencies" names (each with why), and no crate below the front
//!   ends depends on one of them;
//! - every invariant names at least one test, and every test it names exists;
//! - every file the data path names exists, and each `file::name` is defined
//!   in that file;
//! - every source file starts with a `//!` doc, and no crate's code includes
//!   a file from outside its own folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn architecture_md() -> String {
    read(&workspace().join("ARCHITECTURE.md"))
}

/// The section of ARCHITECTURE.md under the `## title` heading, up to the next `## `.
fn section(doc: &str, title: &str) -> String {
    let heading = format!("\n## {title}\n");
    let start = doc.find(&heading).unwrap_or_else(|| panic!("ARCHITECTURE.md has no `## {title}`"));
    let body = &doc[start + heading.len()..];
    body[..body.find("\n## ").unwrap_or(body.len())].to_string()
}

/// The folders of the workspace's members (`crates/*` and `examples`).
fn member_dirs() -> Vec<PathBuf> {
    let root = workspace();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.push(root.join("examples"));
    dirs.sort();
    dirs
}

/// Every dependency table of a manifest that is not a dev- or build-dependency:
/// `[dependencies]` and each `[target.'cfg'.dependencies]`.
fn normal_dependencies(manifest: &toml::Table) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut add = |table: Option<&toml::Value>| {
        if let Some(t) = table.and_then(toml::Value::as_table) {
            names.extend(t.keys().cloned());
        }
    };
    add(manifest.get("dependencies"));
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for target in targets.values() {
            add(target.get("dependencies"));
        }
    }
    names
}

/// Crate name → (its workspace dependencies, all its dependency names).
fn crates() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let manifests: Vec<toml::Table> = member_dirs()
        .iter()
        .map(|d| toml::from_str(&read(&d.join("Cargo.toml"))).expect("a Cargo.toml"))
        .collect();
    let name_of = |m: &toml::Table| m["package"]["name"].as_str().expect("a name").to_string();
    let members: BTreeSet<String> = manifests.iter().map(name_of).collect();
    manifests
        .iter()
        .map(|m| {
            let all = normal_dependencies(m);
            let ours = all.iter().filter(|d| members.contains(*d)).cloned().collect();
            (name_of(m), (ours, all))
        })
        .collect()
}

fn render_graph(graph: &BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>) -> String {
    let mut out = String::new();
    for (name, (deps, _)) in graph {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let deps = if deps.is_empty() { "-".to_string() } else { deps.join(", ") };
        out.push_str(&format!("{name} -> {deps}\n"));
    }
    out
}

/// The fenced block after `marker` in `doc`.
fn block_after(doc: &str, marker: &str) -> String {
    let after = doc.split(marker).nth(1).unwrap_or_else(|| panic!("no `{marker}` in the doc"));
    let body = after.split("```text\n").nth(1).expect("a ```text block after the marker");
    body.split("```").next().expect("a closed block").to_string()
}

/// A cycle through `graph`, if any (depth-first, iterative).
fn find_cycle(graph: &BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>) -> Option<String> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in graph.keys() {
        // (node, index of its next edge), the path being walked.
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        while let Some((node, next)) = stack.last_mut() {
            let edges: Vec<&String> = graph[*node].0.iter().collect();
            if done.contains(node) || *next >= edges.len() {
                done.insert(node);
                stack.pop();
                continue;
            }
            let to = edges[*next].as_str();
            *next += 1;
            if let Some(at) = stack.iter().position(|(n, _)| *n == to) {
                let path: Vec<&str> = stack[at..].iter().map(|(n, _)| *n).collect();
                return Some(format!("{} -> {to}", path.join(" -> ")));
            }
            if !done.contains(to) {
                stack.push((to, 0));
            }
        }
    }
    None
}

#[test]
fn the_crate_graph_is_the_one_drawn_and_has_no_cycle() {
    let graph = crates();
    let rendered = render_graph(&graph);
    let drawn = block_after(&architecture_md(), "crate graph:");
    if drawn != rendered {
        println!("ARCHITECTURE.md's crate graph block should read:\n```text\n{rendered}```");
    }
    assert_eq!(
        drawn, rendered,
        "ARCHITECTURE.md's crate graph is out of date (--nocapture prints it)"
    );
    assert_eq!(find_cycle(&graph), None, "the crate graph has a cycle");
    // The search finds a cycle when there is one.
    let mut cyclic = graph.clone();
    cyclic.get_mut("rlm-types").expect("rlm-types").0.insert("rlm-core".to_string());
    assert!(find_cycle(&cyclic).is_some(), "the cycle search missed rlm-types -> rlm-core");
}

/// Front end → the workspace crates its bullet of "The front ends'
/// dependencies" allows (the bullet's first backticked crate is the front end).
fn front_end_lists(members: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let text = section(&architecture_md(), "The front ends' dependencies");
    let mut lists = BTreeMap::new();
    for bullet in bullets(&text) {
        let mut named = bullet.split('`').skip(1).step_by(2).filter(|s| members.contains(*s));
        let front_end = named.next().expect("a bullet names its front end first").to_string();
        lists.insert(front_end, named.map(str::to_string).collect());
    }
    lists
}

#[test]
fn each_front_end_depends_on_exactly_its_list() {
    let graph = crates();
    let members: BTreeSet<String> = graph.keys().cloned().collect();
    let lists = front_end_lists(&members);
    let expected: BTreeSet<&str> = ["rlm-cli", "rlm-mcp", "rlm-py", "rlm-server"].into();
    assert_eq!(lists.keys().map(String::as_str).collect::<BTreeSet<_>>(), expected);
    for (front_end, allowed) in &lists {
        let actual = &graph[front_end].0;
        let extra: Vec<_> = actual.difference(allowed).collect();
        let unused: Vec<_> = allowed.difference(actual).collect();
        assert!(
            extra.is_empty(),
            "{front_end} depends on {extra:?} beyond its list: reach it through rlm-core, or add it \
             to ARCHITECTURE.md's \"The front ends' dependencies\" with why"
        );
        assert!(
            unused.is_empty(),
            "{front_end}'s list names {unused:?}, which it does not depend on"
        );
        assert!(allowed.contains("rlm-core"), "{front_end} builds its engine through rlm-core");
    }
    for (name, (deps, _)) in &graph {
        if lists.contains_key(name) || name == "rlm-examples" {
            continue;
        }
        let up: Vec<_> = deps.iter().filter(|d| lists.contains_key(*d)).collect();
        assert!(up.is_empty(), "{name}, below the front ends, depends on the front end {up:?}");
    }
}

#[test]
fn the_interpreter_crates_name_no_llm_http_or_async_crate() {
    let graph = crates();
    let banned = ["tokio", "reqwest", "hyper", "axum", "rlm-adapters", "rlm-sched"];
    let mut pending = vec!["rlm-syntax".to_string(), "rlm-interp".to_string()];
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let (ours, all) = &graph[&name];
        let named: Vec<&&str> = banned.iter().filter(|b| all.contains(**b)).collect();
        assert!(named.is_empty(), "{name} (under the interpreter) depends on {named:?}");
        pending.extend(ours.iter().cloned());
    }
}

/// A path ARCHITECTURE.md names, from the workspace root: `rlm-x/...` is under
/// `crates/`. An integration test may sit in a folder of tests merged into one
/// binary (`tests/<folder>/<name>.rs`); it counts under its own name.
fn resolve(named: &str) -> Option<PathBuf> {
    let root = workspace();
    let path =
        if named.starts_with("rlm-") { root.join("crates").join(named) } else { root.join(named) };
    if path.exists() {
        return Some(path);
    }
    let (dir, file) = (path.parent()?, path.file_name()?);
    if dir.file_name()? != "tests" {
        return None;
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join(file))
        .find(|p| p.is_file())
}

/// The backticked spans of `text` that name a file: no spaces, a `/`, and one
/// of the source or script extensions (an optional `::name` after it).
fn named_files(text: &str) -> Vec<(String, Option<String>)> {
    let extensions = [".rs", ".py", ".sh", ".toml", ".md", ".sql", ".gbnf"];
    let mut out = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 0 || span.contains(' ') || !span.contains('/') {
            continue;
        }
        let (file, item) = match span.split_once("::") {
            Some((f, item)) => (f, Some(item.to_string())),
            None => (span, None),
        };
        if extensions.iter().any(|e| file.ends_with(e)) || file == ".ci/test" || file == ".ci/run" {
            out.push((file.to_string(), item));
        }
    }
    out
}

/// The bullets of a section: each `- ` line with its indented continuation lines.
fn bullets(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("- ") {
            out.push(rest.to_string());
        } else if line.starts_with("  ") && !line.trim().is_empty() {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        }
    }
    out
}

#[test]
fn every_invariant_names_a_test_that_exists() {
    let invariants = section(&architecture_md(), "Invariants");
    let bullets = bullets(&invariants);
    assert!(
        bullets.len() >= 30,
        "only {} invariants found: the section's shape changed",
        bullets.len()
    );
    for bullet in &bullets {
        let (_, tests) =
            bullet.rsplit_once("Test").unwrap_or_else(|| panic!("names no test: {bullet}"));
        let files = named_files(tests);
        assert!(!files.is_empty(), "names no test file: {bullet}");
        for (file, _) in files {
            let path = resolve(&file)
                .unwrap_or_else(|| panic!("{file} does not exist (named by: {bullet})"));
            let is_test = path.components().any(|c| c == Component::Normal("tests".as_ref()))
                || path.starts_with(workspace().join(".ci"))
                || read(&path).contains("#[test]")
                || read(&path).contains("#[tokio::test");
            assert!(is_test, "{file} holds no test (named by: {bullet})");
        }
    }
}

#[test]
fn every_file_the_data_path_names_exists_with_what_it_names() {
    let path = section(&architecture_md(), "The data path of one run");
    let named = named_files(&path);
    assert!(named.len() >= 20, "only {} files named: the section's shape changed", named.len());
    for (file, item) in named {
        let found = resolve(&file)
            .unwrap_or_else(|| panic!("the data path names {file}, which does not exist"));
        if let Some(item) = item {
            let text = read(&found);
            let defined = [
                format!("fn {item}("),
                format!("fn {item}<"),
                format!("struct {item}"),
                format!("enum {item}"),
            ];
            assert!(
                defined.iter().any(|d| text.contains(d.as_str())),
                "{file} defines no `{item}`"
            );
        }
    }
}

/// Every `.rs` file under each member's `src/`.
fn source_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> =
        member_dirs().iter().map(|d| d.join("src")).filter(|d| d.is_dir()).collect();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn every_source_file_starts_with_its_doc() {
    // `include!`d twice by rlm-syntax's parser.rs, which documents them.
    let included = |p: &Path| p.parent().is_some_and(|d| d.ends_with("rlm-syntax/src/grammar"));
    let undocumented: Vec<PathBuf> = source_files()
        .into_iter()
        .filter(|p| !included(p) && !read(p).trim_start().starts_with("//!"))
        .collect();
    assert!(undocumented.is_empty(), "files without a leading `//!` doc: {undocumented:?}");
}

/// `a/b/../c` → `a/c`, without touching the file system (a symlink inside the
/// crate, like `prompts`, stays inside it).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn no_crate_includes_a_file_from_outside_itself() {
    let include = regex::Regex::new(r#"include(?:_str|_bytes)?!\(\s*"([^"]+)""#).expect("a regex");
    let crates_dir = workspace().join("crates");
    for file in source_files() {
        let Ok(relative) = file.strip_prefix(&crates_dir) else { continue };
        let own = crates_dir.join(relative.components().next().expect("a crate folder"));
        for hit in include.captures_iter(&read(&file)) {
            let target = lexically_normal(&file.parent().expect("a folder").join(&hit[1]));
            assert!(
                target.starts_with(&own),
                "{} includes {}, outside its crate",
                file.display(),
                &hit[1]
            );
        }
    }
}

/// Every `tests/*.rs` file of a crate that builds its tests as one binary
/// (`autotests = false`, `tests/suite.rs`) is a module of that binary: with
/// autotests off, a file it does not name would never be built nor run.
#[test]
fn every_test_file_of_a_one_binary_crate_is_in_its_suite() {
    let mut one_binary = 0;
    for dir in member_dirs() {
        let manifest: toml::Table =
            read(&dir.join("Cargo.toml")).parse().expect("a Cargo.toml that parses");
        let autotests = manifest
            .get("package")
            .and_then(|p| p.get("autotests"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(true);
        if autotests {
            continue;
        }
        one_binary += 1;
        let suite = read(&dir.join("tests/suite.rs"));
        let named: BTreeSet<&str> = suite
            .lines()
            .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
            .collect();
        for entry in std::fs::read_dir(dir.join("tests")).expect("tests/") {
            let path = entry.expect("an entry").path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
            if path.extension().is_some_and(|e| e == "rs") && stem != "suite" {
                assert!(
                    named.contains(stem),
                    "{}: not a module of tests/suite.rs, so never run (autotests = false): add `mod {stem};`",
                    path.display()
                );
            }
        }
    }
    assert!(one_binary >= 3, "rlm-cli, rlm-core and rlm-server build their tests as one binary");
}

/// The README's layout table names exactly the workspace's members, once
/// each (it listed 20 of 28 crates when nothing checked it).
#[test]
fn the_readme_layout_table_names_every_member_once() {
    let readme = read(&workspace().join("README.md"));
    let start = readme.find("\n## Layout\n").expect("README.md has a `## Layout` section");
    let body = &readme[start + 1..];
    let body = &body[..body[3..].find("\n## ").map_or(body.len(), |i| i + 3)];
    let listed: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`').map(|(name, _)| name.to_string()))
        .collect();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a crate is listed twice: {listed:?}");
    let members: BTreeSet<String> = crates().into_keys().collect();
    let missing: Vec<_> = members.difference(&unique).collect();
    let stale: Vec<_> = unique.difference(&members).collect();
    assert!(missing.is_empty(), "README.md's layout table lacks {missing:?}");
    assert!(stale.is_empty(), "README.md's layout table names no member: {stale:?}");
}
