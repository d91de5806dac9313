//! rlm-interp's circles, printed with the arrows that hold the two largest
//! together (the workspace's ceiling on a circle's size is held for every
//! crate by `rlm-house`'s `circles` test), and the `Vm` kept inside `vm/`.

use std::collections::{BTreeMap, BTreeSet};

use super::{sources, src};

/// Files outside `vm/` whose code proper has an `impl Vm` block.
fn impl_vm_outside_vm() -> Vec<String> {
    rlm_house::source_files(&src())
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with("vm/"))
        .filter(|(_, path)| {
            let text = std::fs::read_to_string(path).expect("a readable source file");
            rlm_house::code_of(&text).contains("impl Vm")
        })
        .map(|(rel, _)| rel)
        .collect()
}

#[test]
fn the_vm_stays_in_vm_and_the_largest_circles_are_printed() {
    let graph = rlm_house::file_graph(&sources());
    let found = rlm_house::circles(&graph);
    let arrows: usize = graph.values().map(BTreeMap::len).sum();
    println!("rlm-interp: {} files, {arrows} arrows, {} circles", graph.len(), found.len());
    for circle in &found {
        let files: Vec<&str> = circle.iter().map(String::as_str).collect();
        println!("circle of {} files: {}", circle.len(), files.join(", "));
    }
    // The arrows inside the largest circles and the names along each: what
    // holds a circle together, and so what a step has to move.
    for circle in found.iter().take(2) {
        println!("arrows inside the circle of {} files:", circle.len());
        for from in circle {
            for (to, names) in graph[from].iter().filter(|(to, _)| circle.contains(*to)) {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                println!("  {from} -> {to}: {}", names.join(", "));
            }
        }
    }
    let largest = found.first().map_or(0, BTreeSet::len);
    let impl_vm = impl_vm_outside_vm();
    println!("largest circle: {largest} files");
    println!(
        "files outside vm/ with `impl Vm`: {} (goal 0): {}",
        impl_vm.len(),
        impl_vm.join(", ")
    );
    // Issue #59's goal, reached when `modules/re/` took the meter and the
    // callbacks instead: what extends the `Vm` is in `vm/`.
    assert!(impl_vm.is_empty(), "files outside vm/ extend the Vm: {impl_vm:?}");
    // And only the crate root, which owns a session's machine, names it:
    // types, builtins, formatting and modules reach the program through
    // `Callbacks` and charge through the meter.
    let naming_vm: Vec<&str> = graph
        .iter()
        .filter(|(from, _)| !from.starts_with("vm/") && from.as_str() != "lib.rs")
        .filter(|(_, to)| to.get("vm/mod.rs").is_some_and(|names| names.contains("Vm")))
        .map(|(from, _)| from.as_str())
        .collect();
    println!("files outside vm/ naming the `Vm` (lib.rs aside): {}", naming_vm.len());
    assert!(naming_vm.is_empty(), "files outside vm/ name the Vm: {naming_vm:?}");
}
