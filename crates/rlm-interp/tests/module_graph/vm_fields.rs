//! The `Vm` is split by job (issue #79): it holds a few parts, each a
//! struct of its own under `src/vm/` with a few fields. Starting from
//! `pub struct Vm`, every field whose type is a struct defined under
//! `src/vm/` is a part, counted too (and its own parts, the clock in the
//! event loop); each may hold at most `FIELD_CEILING` named fields.

use std::collections::BTreeSet;

use super::sources;

/// The most named fields the `Vm` and each of its parts may have.
const FIELD_CEILING: usize = 10;

/// The named fields of `struct NAME { ... }` in `code` (comments already
/// stripped, as `code_of` does): each field's name and the start of its
/// type (the rest of its first line), in order; `None` when `code` defines
/// no such struct with braces. A field is a line at the struct's top level
/// (outside any bracket of an attribute or a type) that reads
/// `[pub[(...)]] name: Type`.
fn named_fields(code: &str, name: &str) -> Option<Vec<(String, String)>> {
    let pattern = format!("struct {name}");
    let mut from = 0;
    let start = loop {
        let at = from + code[from..].find(&pattern)?;
        let after = at + pattern.len();
        let before_ok =
            code[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after_ok =
            code[after..].chars().next().is_some_and(|c| !(c.is_alphanumeric() || c == '_'));
        if before_ok && after_ok {
            break after;
        }
        from = after;
    };
    let rest = &code[start..];
    let open = rest.find(['{', ';', '('])?;
    if !rest[open..].starts_with('{') {
        return None;
    }
    let mut fields = Vec::new();
    let mut depth = 0usize;
    for line in rest[open + 1..].lines() {
        if depth == 0 {
            if let Some(field) = field_of(line.trim()) {
                fields.push(field);
            }
        }
        let mut prev = ' ';
        for c in line.chars() {
            match c {
                '{' | '(' | '[' | '<' => depth += 1,
                '>' if prev == '-' => {}
                '}' | ')' | ']' | '>' => {
                    if depth == 0 {
                        return Some(fields);
                    }
                    depth -= 1;
                }
                _ => {}
            }
            prev = c;
        }
    }
    None
}

/// `[pub[(...)]] name: Type...` → the name and the type as written on the line.
fn field_of(line: &str) -> Option<(String, String)> {
    let mut t = line;
    if let Some(r) = t.strip_prefix("pub").filter(|r| r.starts_with([' ', '('])) {
        t = r.trim_start();
        if t.starts_with('(') {
            t = t[t.find(')')? + 1..].trim_start();
        }
    }
    let end = t.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(t.len());
    let (name, rest) = t.split_at(end);
    let ty = rest.trim_start().strip_prefix(':').filter(|r| !r.starts_with(':'))?;
    let starts_ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts_ident.then(|| (name.to_string(), ty.trim().trim_end_matches(',').to_string()))
}

/// The struct a type names itself, its arguments aside (`Frames`,
/// `Clock<Handle>` → `Clock`, `Vec<Frame>` → `Vec`); `None` for a path
/// (`crate::x::Y`), a tuple or a reference.
fn plain_type_name(ty: &str) -> Option<&str> {
    let end = ty.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(ty.len());
    let rest = &ty[end..];
    (end > 0 && (rest.is_empty() || rest.starts_with('<'))).then_some(&ty[..end])
}

#[test]
fn the_vm_and_its_parts_have_few_fields() {
    let vm_sources: Vec<(String, String)> =
        sources().into_iter().filter(|(rel, _)| rel.starts_with("vm/")).collect();
    let find = |name: &str| {
        let found: Vec<(&str, Vec<(String, String)>)> = vm_sources
            .iter()
            .filter_map(|(rel, code)| named_fields(code, name).map(|f| (rel.as_str(), f)))
            .collect();
        assert!(found.len() <= 1, "`struct {name}` is defined in more than one file under src/vm/");
        found.into_iter().next()
    };
    let Some(vm_file) = vm_sources.iter().find(|(_, c)| c.contains("pub struct Vm ")) else {
        panic!("no `pub struct Vm` under src/vm/");
    };
    let mut queue = vec![("Vm".to_string(), 0usize)];
    let mut seen = BTreeSet::new();
    let mut over = Vec::new();
    while let Some((name, indent)) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some((file, fields)) = find(&name) else { continue };
        if name == "Vm" {
            assert_eq!(file, vm_file.0, "the `Vm` found is not the `pub struct Vm`");
        }
        println!(
            "{:indent$}{name}: {} fields (ceiling {FIELD_CEILING}) in src/{file}",
            "",
            fields.len(),
            indent = indent * 2
        );
        if fields.len() > FIELD_CEILING {
            over.push(format!("{name} ({file}): {} fields", fields.len()));
        }
        // Its parts, printed in the order of its fields.
        for (_, ty) in fields.iter().rev() {
            if let Some(part) = plain_type_name(ty) {
                if find(part).is_some() {
                    queue.push((part.to_string(), indent + 1));
                }
            }
        }
    }
    assert!(seen.len() > 1, "the `Vm` has no parts under src/vm/: the split is gone");
    assert!(over.is_empty(), "over {FIELD_CEILING} fields: {over:?}");
}

#[test]
fn the_counter_counts_named_fields_only() {
    let sample = rlm_house::code_of(
        "/// A sample, with `{ braces }` and (brackets) in its docs.\n\
         #[derive(Default)]\n\
         pub(crate) struct Sample<T: Clone> {\n\
         \x20   /// A doc comment: not a field, nor is `a: b` in it.\n\
         \x20   #[allow(dead_code)]\n\
         \x20   pub(crate) pending: HashMap<u64, (usize, u64)>,\n\
         \x20   plain: u8, // a trailing comment: x: y\n\
         \x20   #[cfg(any(test, feature = \"x\"))]\n\
         \x20   pub(super) call: fn(u8, u16) -> Result<(), String>,\n\
         \x20   pub list: Vec<\n\
         \x20       (u8, u8),\n\
         \x20   >,\n\
         \x20   path: crate::vm::Frames,\n\
         \x20   generic: T,\n\
         }\n\
         struct SampleTwo {\n\
         \x20   other: u8,\n\
         }\n",
    );
    let fields = named_fields(&sample, "Sample").expect("the sample struct");
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["pending", "plain", "call", "list", "path", "generic"]);
    assert_eq!(fields[0].1, "HashMap<u64, (usize, u64)>");
    assert_eq!(plain_type_name(&fields[4].1), None);
    assert_eq!(plain_type_name("Frames"), Some("Frames"));
    assert_eq!(plain_type_name("Clock<Handle>"), Some("Clock"));
    assert_eq!(plain_type_name(&fields[0].1), Some("HashMap"));
    assert_eq!(named_fields(&sample, "SampleTwo").map(|f| f.len()), Some(1));
    assert_eq!(named_fields(&sample, "Samp"), None);
    assert_eq!(named_fields("struct Unit;\nstruct Pair(u8, u8);", "Unit"), None);
}
