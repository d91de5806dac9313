//! The cost fuzzer's corpus (issue #77): one JSON file per entry,
//! `tests/cost_corpus/<entry>.json`, with the worst input found for each
//! objective (time per fuel unit; peak heap per byte charged), its ratio,
//! its figures and the whole program, so a later run resumes from it and
//! the suite replays it (`tests/cost_corpus.rs`).

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use super::shape::Shape;

/// The worst input found for one objective.
#[derive(Clone, Debug)]
pub struct Best {
    pub shape: Shape,
    pub ratio: f64,
    pub end: String,
    pub ns: u64,
    pub fuel: u64,
    pub peak_bytes: u64,
    pub charged_bytes: u64,
    /// The dispatch loop's ns per fuel unit, measured in the same run.
    pub loop_ns: f64,
    pub program: String,
}

/// One entry's record.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub entry: String,
    /// Trials run over every search so far.
    pub trials: u64,
    pub time: Option<Best>,
    pub mem: Option<Best>,
}

fn best_json(b: &Best) -> Json {
    json!({
        "ratio": (b.ratio * 1000.0).round() / 1000.0,
        "end": b.end, "ns": b.ns, "fuel": b.fuel,
        "peak_bytes": b.peak_bytes, "charged_bytes": b.charged_bytes,
        "loop_ns_per_unit": (b.loop_ns * 1000.0).round() / 1000.0,
        "shape": b.shape.to_json(), "program": b.program,
    })
}

fn best_from(j: &Json) -> Option<Best> {
    Some(Best {
        shape: Shape::from_json(j.get("shape")?)?,
        ratio: j.get("ratio")?.as_f64()?,
        end: j.get("end")?.as_str()?.to_string(),
        ns: j.get("ns")?.as_u64()?,
        fuel: j.get("fuel")?.as_u64()?,
        peak_bytes: j.get("peak_bytes")?.as_u64()?,
        charged_bytes: j.get("charged_bytes")?.as_u64()?,
        loop_ns: j.get("loop_ns_per_unit")?.as_f64()?,
        program: j.get("program")?.as_str()?.to_string(),
    })
}

impl Record {
    pub fn to_json(&self) -> Json {
        json!({
            "entry": self.entry,
            "trials": self.trials,
            "time": self.time.as_ref().map(best_json),
            "memory": self.mem.as_ref().map(best_json),
        })
    }

    pub fn from_json(j: &Json) -> Option<Record> {
        Some(Record {
            entry: j.get("entry")?.as_str()?.to_string(),
            trials: j.get("trials").and_then(Json::as_u64).unwrap_or(0),
            time: j.get("time").and_then(best_from),
            mem: j.get("memory").and_then(best_from),
        })
    }
}

/// The file of an entry (`operator.%` and `operator.[:]` need their
/// characters spelled out).
pub fn file_name(entry: &str) -> String {
    let mut s = String::new();
    for c in entry.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' => s.push(c),
            other => s.push_str(&format!("x{:02x}", other as u32)),
        }
    }
    s + ".json"
}

pub fn path_of(dir: &Path, entry: &str) -> PathBuf {
    dir.join(file_name(entry))
}

/// Every record in `dir` (files that do not parse are skipped).
pub fn load_all(dir: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.extension().is_some_and(|e| e == "json")
            && let Ok(text) = std::fs::read_to_string(&p)
            && let Ok(j) = serde_json::from_str::<Json>(&text)
            && let Some(r) = Record::from_json(&j)
        {
            out.push(r);
        }
    }
    out
}

pub fn save(dir: &Path, r: &Record) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string_pretty(&r.to_json()).unwrap_or_default();
    std::fs::write(path_of(dir, &r.entry), text + "\n")
}
