//! Differential tests: every context operation, on ASCII and on mixed scripts (CJK, emoji, ZWJ
//! sequences, combining marks, empty text), compared with what CPython's `str` and `re` give for
//! the same operations (`tests/oracle/context_oracle.py`, run once per test with `python3`).
//!
//! Without `python3` the test is ignored with a `SKIPPED` reason (`rlm-testenv`), never passed.

use std::io::Write;
use std::process::{Command, Stdio};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rlm_context::{Context, ContextError, FindOptions};
use serde_json::{Value, json};

const ALPHABETS: &[(&str, &[&str])] = &[
    ("ascii", &["a", "b", "c", " ", "\n", "x", "Y", "1", "2", ".", "ab", "\n\n"]),
    ("cjk", &["日", "本", "語", "中", "文", "。", " ", "\n", "字"]),
    ("emoji", &["😀", "🦀", "👍🏽", "👨\u{200d}👩\u{200d}👧", "🇫🇷", " ", "\n", "a"]),
    ("combining", &["e\u{301}", "a", "\u{308}", "n\u{303}", " ", "\n", "o"]),
    ("mixed", &["a", "é", "日", "😀", "\u{301}", " ", "\n", "Ω", "\r\n", "ß", "İ", "7"]),
];

const REGEXES: &[&str] =
    &[r"\d+", r"[a-z]+", r"[日本語]+", r"\s+", r".", r"[一-鿿]", r"e\u0301|ñ", r"[😀🦀]", r"a.b"];

fn text(rng: &mut StdRng, alphabet: &[&str], pieces: usize) -> String {
    (0..pieces).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect()
}

fn random_index(rng: &mut StdRng, len: i64) -> Option<i64> {
    match rng.random_range(0..10) {
        0 => None,
        1 => Some(rng.random_range(-(len + 5)..0)),
        2 => Some(len + rng.random_range(0..5)),
        _ => Some(rng.random_range(0..=len)),
    }
}

/// Generates cases: text or document lists over each alphabet, then random operations on them.
fn cases() -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
    let mut cases = Vec::new();
    for (name, alphabet) in ALPHABETS {
        for round in 0..14 {
            let (docs, sep): (Vec<String>, &str) = match round {
                0 => (vec![String::new()], "\n\n---\n\n"),
                1 => (vec![], "\n\n---\n\n"),
                // Long enough to span many 4 KiB index blocks.
                2 => (vec![text(&mut rng, alphabet, 6000)], "\n\n---\n\n"),
                3..=7 => {
                    let pieces = rng.random_range(1..400);
                    (vec![text(&mut rng, alphabet, pieces)], "\n\n---\n\n")
                }
                _ => {
                    let count = rng.random_range(1..7);
                    let sep = ["\n\n---\n\n", "|", "\n\n", "§§"][rng.random_range(0..4)];
                    let docs = (0..count)
                        .map(|_| {
                            let pieces = rng.random_range(0..80);
                            text(&mut rng, alphabet, pieces)
                        })
                        .collect();
                    (docs, sep)
                }
            };
            let joined = docs.join(sep);
            let len = joined.chars().count() as i64;
            let chars: Vec<char> = joined.chars().collect();
            let mut ops = vec![
                json!({"op": "len"}),
                json!({"op": "doc_lengths"}),
                json!({"op": "doc_starts"}),
                json!({"op": "tail", "n": 0}),
                json!({"op": "peek", "n": 0}),
            ];
            for _ in 0..12 {
                ops.push(json!({"op": "slice", "start": random_index(&mut rng, len), "end": random_index(&mut rng, len)}));
            }
            for _ in 0..4 {
                ops.push(json!({"op": "char_at", "i": rng.random_range(-(len + 2)..=len + 1)}));
                ops.push(json!({"op": "peek", "n": rng.random_range(0..=len + 3)}));
                ops.push(json!({"op": "tail", "n": rng.random_range(0..=len + 3)}));
            }
            for _ in 0..6 {
                // Literal patterns cut from the text itself (so they match), and sometimes not.
                let pattern: String = if len > 0 && rng.random_bool(0.8) {
                    let start = rng.random_range(0..len) as usize;
                    let width = rng.random_range(1..4).min(chars.len() - start);
                    chars[start..start + width].iter().collect()
                } else {
                    text(&mut rng, alphabet, 2)
                };
                let max = rng.random_range(0..30);
                let snippet = rng.random_range(0..6);
                ops.push(json!({"op": "find", "pattern": pattern, "regex": false, "icase": false, "max": max, "snippet": snippet}));
                ops.push(
                    json!({"op": "count", "pattern": pattern, "regex": false, "icase": false}),
                );
                let icase = pattern.to_uppercase();
                if !icase.is_empty() {
                    ops.push(json!({"op": "find", "pattern": icase, "regex": false, "icase": true, "max": max, "snippet": snippet}));
                }
            }
            for regex in REGEXES {
                let max = rng.random_range(1..50);
                ops.push(json!({"op": "find", "pattern": regex, "regex": true, "icase": false, "max": max, "snippet": 2}));
                ops.push(json!({"op": "count", "pattern": regex, "regex": true, "icase": false}));
            }
            for _ in 0..3 {
                let size = rng.random_range(1..60);
                let overlap = rng.random_range(0..size);
                ops.push(json!({"op": "chunk", "size": size, "overlap": overlap}));
                ops.push(json!({"op": "chunk_lines", "max": rng.random_range(1..80)}));
                ops.push(json!({"op": "chunk_paragraphs", "max": rng.random_range(1..80)}));
                ops.push(json!({"op": "chunk_documents", "n": rng.random_range(1..4)}));
                ops.push(json!({"op": "get_document", "i": rng.random_range(-8..8)}));
            }
            cases.push(
                json!({"id": format!("{name}-{round}"), "docs": docs, "sep": sep, "ops": ops}),
            );
        }
    }
    cases
}

fn context_for(case: &Value) -> Context {
    let docs: Vec<String> = case["docs"]
        .as_array()
        .map(|a| a.iter().map(|d| d.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default();
    let sep = case["sep"].as_str().unwrap_or_default();
    if docs.len() == 1 && sep == "\n\n---\n\n" {
        Context::from_text(docs[0].clone())
    } else {
        Context::from_documents_with_separator(docs, sep)
    }
}

fn int(op: &Value, key: &str) -> i64 {
    op[key].as_i64().unwrap_or_else(|| panic!("{key} missing in {op}"))
}

fn chunks_json(chunks: Vec<rlm_context::Chunk>) -> Value {
    Value::Array(chunks.into_iter().map(|c| json!([c.start, c.end, c.text.as_str()])).collect())
}

/// Runs one operation with rlm-context, producing the same JSON shape as the oracle.
fn run_op(context: &Context, op: &Value) -> Value {
    let n = |key: &str| u64::try_from(int(op, key)).unwrap_or(0);
    match op["op"].as_str().unwrap_or_default() {
        "len" => json!(context.len_chars()),
        "slice" => json!(context.slice(op["start"].as_i64(), op["end"].as_i64()).as_str()),
        "char_at" => match context.text().char_at(int(op, "i")) {
            Ok(c) => json!(c.to_string()),
            Err(ContextError::OutOfRange { .. }) => json!({"error": "IndexError"}),
            Err(other) => panic!("char_at: unexpected error {other}"),
        },
        "peek" => json!(context.peek(n("n")).as_str()),
        "tail" => json!(context.tail(n("n")).as_str()),
        "find" | "count" => {
            let options = FindOptions {
                regex: op["regex"].as_bool().unwrap_or(false),
                case_insensitive: op["icase"].as_bool().unwrap_or(false),
                max_matches: op["max"].as_u64().map(|m| m as usize),
                snippet_chars: op["snippet"].as_u64().unwrap_or(0),
            };
            let pattern = op["pattern"].as_str().unwrap_or_default();
            if op["op"] == "count" {
                return json!(context.count_matches(pattern, &options).unwrap());
            }
            let found = context.find(pattern, &options).unwrap();
            let matches: Vec<Value> = found
                .matches
                .iter()
                .map(|m| {
                    json!([m.start, m.end, m.text.as_str(), m.snippet_start, m.snippet.as_str()])
                })
                .collect();
            json!({"matches": matches, "truncated": found.truncated})
        }
        "chunk" => chunks_json(context.chunk(n("size"), n("overlap")).unwrap()),
        "chunk_lines" => chunks_json(context.chunk_lines(n("max")).unwrap()),
        "chunk_paragraphs" => chunks_json(context.chunk_paragraphs(n("max")).unwrap()),
        "doc_lengths" => json!(context.document_lengths()),
        "doc_starts" => {
            json!(context.documents().iter().map(|d| d.chars.start).collect::<Vec<_>>())
        }
        "get_document" => match context.get_document(int(op, "i")) {
            Ok(view) => json!(view.as_str()),
            Err(ContextError::OutOfRange { .. }) => json!({"error": "IndexError"}),
            Err(other) => panic!("get_document: unexpected error {other}"),
        },
        "chunk_documents" => {
            let groups = context.chunk_documents(n("n") as usize).unwrap();
            Value::Array(
                groups
                    .into_iter()
                    .map(|g| {
                        let docs: Vec<&str> = g.documents.iter().map(|d| d.as_str()).collect();
                        json!([g.start_document, g.end_document, docs])
                    })
                    .collect(),
            )
        }
        other => panic!("unknown op {other}"),
    }
}

fn python_results(cases: &[Value]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/context_oracle.py");
    let child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => panic!("python3 did not start ({error}); the test environment probed it"),
    };
    let input = serde_json::to_vec(&json!({"cases": cases})).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "oracle failed: {:?}", output.status);
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    parsed["results"].as_array().cloned().unwrap()
}

rlm_testenv::needs_python3! {
    #[test]
    fn every_operation_agrees_with_cpython_str() {
        let cases = cases();
        let expected = python_results(&cases);
        assert_eq!(expected.len(), cases.len());
        let mut compared = 0;
        for (case, expected) in cases.iter().zip(&expected) {
            let context = context_for(case);
            let ops = case["ops"].as_array().unwrap();
            for (op, want) in ops.iter().zip(expected.as_array().unwrap()) {
                let got = run_op(&context, op);
                assert_eq!(&got, want, "case {} op {op}", case["id"]);
                compared += 1;
            }
        }
        eprintln!("compared {compared} operations over {} cases with CPython", cases.len());
        assert!(compared > 5000, "only {compared} operations compared");
    }
}
