//! What the hostile programs of `tests/hostile/` are run with and how their
//! endings are classified (the README's kinds), shared by the suite that
//! checks their kinds (`hostile_suite.rs`) and the one that measures their
//! real heap (`real_heap.rs`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome, Value};

/// The README's limits divided by 50, keeping their ratios (collection 1 M
/// → 20 k, string 16 M → 320 k, ...), so that the named limit is still the
/// first to trip, except fuel, divided by 100 (every fuel bomb needs far
/// more; the other bombs trip their limit within a tenth of it) so that the
/// whole suite runs in seconds. Call depth and nesting are already small
/// there and stay as they are.
pub fn limits() -> Limits {
    Limits {
        fuel: 500_000,
        memory_bytes: (256 << 20) / 50,
        max_str_len: 16_000_000 / 50,
        max_collection_len: 1_000_000 / 50,
        max_call_depth: 200,
        max_nesting: 200,
        max_output_bytes: (1 << 20) / 50,
        regex_backtrack_limit: 100_000,
    }
}

/// The hostile programs, sorted by name: (file name, source).
pub fn programs() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile");
    let mut programs: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("tests/hostile exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .filter(|p| p.file_name().is_some_and(|n| n != "check.py"))
        .map(|p: PathBuf| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let src = std::fs::read_to_string(&p).expect("readable program");
            (name, src)
        })
        .collect();
    programs.sort();
    programs
}

/// The README's kind names.
pub const KINDS: &[&str] = &[
    "fuel",
    "memory",
    "string_length",
    "collection_length",
    "recursion",
    "nesting",
    "output",
    "regex",
    "overflow",
    "forbidden",
    "syntax",
    "ok",
];

/// What a program ended with, in the README's terms, plus a description.
pub struct Ending {
    pub kind: String,
    pub detail: String,
    pub escaped: bool,
}

/// Map how a run ended to the README's kind.
pub fn classify(outcome: &Outcome) -> (String, String) {
    let e = match outcome {
        Outcome::Done => return ("ok".into(), "finished normally".into()),
        Outcome::Final(v) => return ("ok".into(), format!("FINAL({v:?})")),
        Outcome::Suspended(_) => return ("suspended".into(), "still suspended".into()),
        Outcome::Error(e) => e,
    };
    let detail = e.last_line();
    let kind = match &e.kind {
        ErrorKind::Limit(l) => match l {
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory",
            LimitKind::StrLen => "string_length",
            LimitKind::CollectionLen => "collection_length",
            LimitKind::CallDepth => "recursion",
            LimitKind::Nesting => "nesting",
            LimitKind::Output => "output",
            LimitKind::Regex => "regex",
            LimitKind::WallTime => "wall time",
        },
        // The parser's nesting cap is a syntax error that says so.
        ErrorKind::Syntax if e.message.contains("nests too deeply") => "nesting",
        ErrorKind::Syntax => "syntax",
        ErrorKind::Exception => match e.type_name.as_str() {
            "OverflowError" => "overflow",
            // The regex engines refuse a pattern too large or too deeply
            // nested with a catchable `re.error` that says so.
            "re.error"
                if ["too large", "too big", "too deeply nested"]
                    .iter()
                    .any(|m| e.message.contains(m)) =>
            {
                "regex"
            }
            // An escape is refused by an ordinary exception with a message
            // (most say what is not available in the sandbox); that it gets
            // no further is checked by the `ESCAPED` marker.
            "NameError"
            | "AttributeError"
            | "ModuleNotFoundError"
            | "ImportError"
            | "TypeError"
            | "RuntimeError"
                if !e.message.is_empty() =>
            {
                "forbidden"
            }
            _ => "exception",
        },
    };
    (kind.to_string(), detail)
}

pub fn run_program(src: &str, limits: Limits) -> Ending {
    let mut s = Interpreter::new(limits);
    let mut o = s.run_cell(src);
    let mut out = s.take_output();
    let mut rounds = 0;
    while let Outcome::Suspended(calls) = &o {
        rounds += 1;
        if rounds > 10_000 {
            break;
        }
        for c in calls {
            if let Err(e) = s.answer(c.id, Ok(Value::str("ok"))) {
                return Ending { kind: "api-error".into(), detail: e.to_string(), escaped: false };
            }
        }
        o = s.resume();
        out.push_str(&s.take_output());
    }
    let (kind, detail) = classify(&o);
    // Messages quote program values (a 100 kB literal): keep them short.
    let detail: String = detail.chars().take(200).collect();
    Ending { kind, detail, escaped: out.contains("ESCAPED") }
}

/// The alternatives of a `# expect: a|b` first line.
pub fn expected_kinds(name: &str, src: &str) -> Result<Vec<String>, String> {
    let first = src.lines().next().unwrap_or("");
    let Some(rest) = first.strip_prefix("# expect:") else {
        return Err(format!("{name}: first line is not `# expect: KIND`"));
    };
    let kinds: Vec<String> = rest.trim().split('|').map(|k| k.trim().to_string()).collect();
    for k in &kinds {
        if !KINDS.contains(&k.as_str()) {
            return Err(format!("{name}: unknown kind {k:?}"));
        }
    }
    Ok(kinds)
}
