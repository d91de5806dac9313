//! No crate of the workspace has a circle of more than [`CEILING`] files
//! (file A imports B when A's code proper names B by any path form; see
//! `rlm_house::file_graph`), but for the few in [`ABOVE_CEILING`], each at
//! its exact size, so the list only shrinks. Every crate is found by
//! itself. Prints each circle over two files:
//! `cargo test -p rlm-house --test circles -- --nocapture`.

use std::collections::BTreeSet;

/// The most files one circle may hold.
const CEILING: usize = 5;

/// Crates whose largest circle is still above [`CEILING`]: (crate, its
/// largest circle's size, why it is not yet broken).
const ABOVE_CEILING: &[(&str, usize, &str)] = &[];

/// The arrows inside a circle and the names along each: what holds it
/// together, and so what a step has to move.
fn print_arrows(graph: &rlm_house::FileGraph, circle: &BTreeSet<String>) {
    for from in circle {
        for (to, names) in graph[from].iter().filter(|(to, _)| circle.contains(*to)) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            println!("    {from} -> {to}: {}", names.join(", "));
        }
    }
}

#[test]
fn no_crate_has_a_circle_over_the_ceiling_but_the_listed_few() {
    let mut over = Vec::new();
    for (name, src) in rlm_house::workspace_crates() {
        let graph = rlm_house::file_graph(&rlm_house::crate_sources(&src));
        let found = rlm_house::circles(&graph);
        let largest = found.first().map_or(0, BTreeSet::len);
        let sizes: Vec<String> = found.iter().map(|c| c.len().to_string()).collect();
        println!("{name}: {} files, circles [{}]", graph.len(), sizes.join(", "));
        for circle in found.iter().filter(|c| c.len() > 2) {
            let files: Vec<&str> = circle.iter().map(String::as_str).collect();
            println!("  circle of {}: {}", circle.len(), files.join(", "));
            if circle.len() > CEILING {
                print_arrows(&graph, circle);
            }
        }
        let allowed = ABOVE_CEILING.iter().find(|(c, ..)| *c == name).map(|(_, n, _)| *n);
        match allowed {
            None if largest > CEILING => over.push(format!("{name}: a circle of {largest} files")),
            Some(n) if largest != n => {
                over.push(format!("{name}: its largest circle is {largest} files, listed as {n}"))
            }
            _ => {}
        }
    }
    assert!(over.is_empty(), "circles over the ceiling of {CEILING}: {over:#?}");
}

#[test]
fn every_listed_crate_exists() {
    let names: Vec<String> = rlm_house::workspace_crates().into_iter().map(|(n, _)| n).collect();
    for (name, ..) in ABOVE_CEILING {
        assert!(names.iter().any(|n| n == name), "{name} is listed but is no crate");
    }
}
