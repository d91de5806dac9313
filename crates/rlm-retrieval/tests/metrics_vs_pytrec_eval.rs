//! `ndcg_at_k` and `recall_at_k` against pytrec_eval (PyPI `pytrec-eval-terrier`,
//! Python bindings of trec_eval) on random rankings and graded judgments.
//! `.ci/test` installs the package into the test environment (`.venv`); without it the test is skipped.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use rlm_retrieval::{Qrels, ndcg_at_k, recall_at_k};

/// A tiny deterministic generator (the test must not depend on `rand`'s streams).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

rlm_testenv::needs_pytrec_eval! {
    #[test]
    fn metrics_match_pytrec_eval() {
        let mut rng = SplitMix(7);
        let mut runs: HashMap<String, Vec<String>> = HashMap::new();
        let mut qrels: HashMap<String, Qrels> = HashMap::new();
        for q in 0..200 {
            let qid = format!("q{q}");
            let docs = 5 + rng.below(40);
            // Judgments: grades 0..=3 on a random subset, sometimes none relevant.
            let mut judged = Qrels::new();
            for d in 0..docs {
                if rng.below(3) == 0 {
                    judged.insert(format!("d{d}"), rng.below(4) as i64);
                }
            }
            if judged.values().all(|g| *g <= 0) {
                judged.insert("d0".into(), 1); // trec_eval skips queries with nothing relevant
            }
            // A ranking of distinct documents (some unjudged), distinct scores.
            let mut ranked: Vec<String> = (0..docs).map(|d| format!("d{d}")).collect();
            for i in (1..ranked.len()).rev() {
                ranked.swap(i, rng.below(i as u64 + 1) as usize);
            }
            ranked.truncate(1 + rng.below(docs) as usize);
            runs.insert(qid.clone(), ranked);
            qrels.insert(qid, judged);
        }

        let run_json: HashMap<&String, HashMap<&String, f64>> = runs
            .iter()
            .map(|(q, docs)| {
                let n = docs.len() as f64;
                (q, docs.iter().enumerate().map(|(i, d)| (d, n - i as f64)).collect())
            })
            .collect();
        let input = serde_json::json!({ "qrels": qrels, "run": run_json }).to_string();
        let script = r#"
import json, sys
import pytrec_eval
data = json.load(sys.stdin)
ev = pytrec_eval.RelevanceEvaluator(data["qrels"], {"ndcg_cut.5", "ndcg_cut.10", "recall.5", "recall.10"})
print(json.dumps(ev.evaluate(data["run"])))
"#;
        let child = Command::new(rlm_testenv::venv_python())
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => panic!("the test environment's python ({}) is needed: {e}", rlm_testenv::venv_python().display()),
        };
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "pytrec_eval failed in the test environment (run `bash .ci/test`): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: HashMap<String, HashMap<String, f64>> =
            serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(theirs.len(), runs.len());
        let mut compared = 0;
        for (qid, ranked) in &runs {
            let q = &qrels[qid];
            let m = &theirs[qid];
            for k in [5usize, 10] {
                let ours = ndcg_at_k(ranked, q, k);
                let want = m[&format!("ndcg_cut_{k}")];
                assert!((ours - want).abs() < 1e-9, "{qid} ndcg@{k}: ours {ours}, trec_eval {want}");
                let ours = recall_at_k(ranked, q, k);
                let want = m[&format!("recall_{k}")];
                assert!((ours - want).abs() < 1e-9, "{qid} recall@{k}: ours {ours}, trec_eval {want}");
                compared += 2;
            }
        }
        assert_eq!(compared, 800);
    }
}
