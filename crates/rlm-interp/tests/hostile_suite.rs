//! Runs every hostile program of `tests/hostile/` (see its README) under
//! tight limits, one session each, and checks that it ends with the error
//! kind its `# expect:` header names and never prints `ESCAPED`. Each program
//! runs on its own thread; a watchdog reports one that has not ended after
//! [`HANG_AFTER`] as a hang (a hang detector, not a speed assertion). All
//! mismatches are listed together, with what each program got.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rlm_interp::{ErrorKind, LimitKind, Limits, Outcome, Session, Value};

/// A program still running after this long is reported as a hang.
const HANG_AFTER: Duration = Duration::from_secs(20);

/// The README's limits divided by 50, keeping their ratios (collection 1 M
/// → 20 k, string 16 M → 320 k, ...), so that the named limit is still the
/// first to trip, except fuel, divided by 100 (every fuel bomb needs far
/// more; the other bombs trip their limit within a tenth of it) so that the
/// whole suite runs in seconds. Call depth and nesting are already small
/// there and stay as they are.
fn limits() -> Limits {
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

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile")
}

/// Programs that end with another kind for a known reason outside the
/// sandbox's limits (a missing feature), with the kind they end with now.
/// The test fails if one starts to pass, so this list cannot go stale.
const KNOWN_GAPS: &[(&str, &str, &str)] = &[];

/// The README's kind names.
const KINDS: &[&str] = &[
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
struct Ending {
    kind: String,
    detail: String,
    escaped: bool,
}

/// Map how a run ended to the README's kind.
fn classify(outcome: &Outcome) -> (String, String) {
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

fn run_program(src: &str) -> Ending {
    let mut s = Session::new(limits());
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
fn expected_kinds(name: &str, src: &str) -> Result<Vec<String>, String> {
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

#[test]
fn every_hostile_program_ends_with_its_expected_kind() {
    let mut programs: Vec<(String, String)> = std::fs::read_dir(hostile_dir())
        .expect("tests/hostile exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .filter(|p| p.file_name().is_some_and(|n| n != "check.py"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let src = std::fs::read_to_string(&p).expect("readable program");
            (name, src)
        })
        .collect();
    programs.sort();
    // HOSTILE_ONLY=substring runs a subset while working on one program.
    if let Ok(only) = std::env::var("HOSTILE_ONLY") {
        programs.retain(|(name, _)| name.contains(&only));
        assert!(!programs.is_empty(), "HOSTILE_ONLY={only} matches no program");
    } else {
        assert!(programs.len() >= 200, "only {} hostile programs found", programs.len());
    }

    let mut failures: Vec<String> = Vec::new();
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<(String, String)> = VecDeque::new();
    for (name, src) in programs.iter().cloned() {
        match expected_kinds(&name, &src) {
            Ok(k) => {
                expected.insert(name.clone(), k);
                queue.push_back((name, src));
            }
            Err(e) => failures.push(e),
        }
    }

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let (tx, rx) = mpsc::channel::<(String, Ending)>();
    let mut running: HashMap<String, Instant> = HashMap::new();
    let mut endings: BTreeMap<String, Ending> = BTreeMap::new();
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < workers {
            let Some((name, src)) = queue.pop_front() else { break };
            let tx = tx.clone();
            let thread_name = name.clone();
            running.insert(name.clone(), Instant::now());
            std::thread::Builder::new()
                .name(thread_name)
                // The main thread's usual size: deep programs must not need
                // more native stack than an embedder's thread has.
                .stack_size(8 << 20)
                .spawn(move || {
                    let started = Instant::now();
                    let ending = match std::panic::catch_unwind(|| run_program(&src)) {
                        Ok(e) => e,
                        Err(_) => Ending {
                            kind: "panic".into(),
                            detail: "the interpreter panicked".into(),
                            escaped: false,
                        },
                    };
                    // HOSTILE_TIMES=1 lists how long each program took (to
                    // find slow ones; never asserted).
                    if std::env::var_os("HOSTILE_TIMES").is_some() {
                        eprintln!("{:>8.3}s {name}", started.elapsed().as_secs_f64());
                    }
                    let _ = tx.send((name, ending));
                })
                .expect("spawn a program thread");
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok((name, ending)) => {
                running.remove(&name);
                endings.insert(name, ending);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("the test holds a sender"),
        }
        let hung: Vec<String> = running
            .iter()
            .filter(|(_, started)| started.elapsed() > HANG_AFTER)
            .map(|(n, _)| n.clone())
            .collect();
        for name in hung {
            // The thread cannot be stopped; it is left behind and the
            // program is reported.
            running.remove(&name);
            endings.insert(
                name,
                Ending {
                    kind: "hang".into(),
                    detail: format!("still running after {HANG_AFTER:?}"),
                    escaped: false,
                },
            );
        }
    }

    let mut passed = 0;
    for (name, ending) in &endings {
        let want = &expected[name];
        if let Some((_, now, why)) = KNOWN_GAPS.iter().find(|(n, _, _)| n == name) {
            if ending.kind != *now || ending.escaped {
                failures.push(format!(
                    "{name}: listed as a known gap ({why}) ending with {now}, got {} ({}); update KNOWN_GAPS",
                    ending.kind, ending.detail
                ));
            }
            continue;
        }
        let kind_ok = want.contains(&ending.kind);
        if kind_ok && !ending.escaped {
            passed += 1;
        }
        if !kind_ok {
            failures.push(format!(
                "{name}: expected {}, got {} ({})",
                want.join("|"),
                ending.kind,
                ending.detail
            ));
        }
        if ending.escaped {
            failures.push(format!("{name}: printed ESCAPED (ended with {})", ending.detail));
        }
    }
    eprintln!(
        "{passed}/{} hostile programs end with the expected error kind ({} known gaps)",
        programs.len(),
        KNOWN_GAPS.len()
    );
    assert!(
        failures.is_empty(),
        "{} hostile programs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
