//! The candidates of `rlm optimize` and the choices made over them: the
//! Pareto front of score against cost (no candidate on it is beaten on both
//! by another), the parent a reflection starts from (GEPA's rule made
//! deterministic: the front's least-expanded candidate that still fails a
//! case), the minibatch of its failing cases, and the spend against the
//! budget in model calls and dollars. Pure: no model and no file here.

use std::collections::BTreeMap;

use super::reflect::Failure;
use crate::eval_cmd::EvalRow;

/// What a candidate came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The starting prompts.
    Seed,
    /// Better than its parent on its minibatch, so run on every case.
    Evaluated,
    /// Run on its minibatch only: not better there than its parent.
    NotBetterOnMinibatch,
    /// Better on its minibatch, but the budget could not run the other cases.
    Unfinished,
}

/// One set of prompt files and what its runs scored.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: usize,
    pub parent: Option<usize>,
    /// The file its reflection rewrote (none for the seed).
    pub changed: Option<String>,
    /// The text of every file under optimisation.
    pub files: BTreeMap<String, String>,
    /// Its runs, by case (every case once it is evaluated).
    pub rows: BTreeMap<String, EvalRow>,
    /// What a reflection reads of each run (its failures are picked).
    pub failures: BTreeMap<String, Failure>,
    /// Reflections started from it.
    pub expansions: usize,
    pub status: Status,
}

/// What a candidate's cost is measured in: dollars when any run of the
/// optimisation cost some, else tokens (a local or scripted model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostAxis {
    Dollars,
    Tokens,
}

impl CostAxis {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a EvalRow>) -> CostAxis {
        if rows.into_iter().any(|r| r.cost_usd > 0.0) {
            CostAxis::Dollars
        } else {
            CostAxis::Tokens
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CostAxis::Dollars => "cost $ per case",
            CostAxis::Tokens => "tokens per case",
        }
    }

    fn of_row(self, row: &EvalRow) -> f64 {
        match self {
            CostAxis::Dollars => row.cost_usd,
            CostAxis::Tokens => row.tokens as f64,
        }
    }
}

impl Candidate {
    /// Whether it was run on every case (`cases` of them).
    pub fn is_evaluated(&self, cases: usize) -> bool {
        matches!(self.status, Status::Seed | Status::Evaluated) && self.rows.len() == cases
    }

    /// The mean score of its runs.
    pub fn score(&self) -> f64 {
        mean(self.rows.values().map(|r| r.score))
    }

    pub fn passed(&self) -> usize {
        self.rows.values().filter(|r| r.passed).count()
    }

    /// The mean cost of its runs on `axis`.
    pub fn cost(&self, axis: CostAxis) -> f64 {
        mean(self.rows.values().map(|r| axis.of_row(r)))
    }

    /// The sum of its scores on `cases`.
    pub fn score_on(&self, cases: &[String]) -> f64 {
        cases.iter().filter_map(|c| self.rows.get(c)).map(|r| r.score).sum()
    }

    /// The cases it did not pass, in name order.
    pub fn failing(&self) -> Vec<String> {
        self.rows.values().filter(|r| !r.passed).map(|r| r.case.clone()).collect()
    }

    /// Up to `size` of its failing cases, starting further along with each
    /// expansion, so successive reflections read different failures.
    pub fn minibatch(&self, size: usize) -> Vec<String> {
        let failing = self.failing();
        if failing.is_empty() {
            return failing;
        }
        let start = (self.expansions * size) % failing.len();
        failing.iter().cycle().skip(start).take(size.min(failing.len())).cloned().collect()
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Whether `a` beats `b`: no lower score, no higher cost, and better on one.
fn dominates(a: &Candidate, b: &Candidate, axis: CostAxis) -> bool {
    let (sa, sb, ca, cb) = (a.score(), b.score(), a.cost(axis), b.cost(axis));
    sa >= sb && ca <= cb && (sa > sb || ca < cb)
}

/// The ids of the evaluated candidates no other evaluated one beats, by
/// score down then cost up (equal twins: the older only).
pub fn front(candidates: &[Candidate], cases: usize, axis: CostAxis) -> Vec<usize> {
    let evaluated: Vec<&Candidate> = candidates.iter().filter(|c| c.is_evaluated(cases)).collect();
    let mut ids: Vec<&Candidate> = evaluated
        .iter()
        .copied()
        .filter(|c| !evaluated.iter().any(|o| dominates(o, c, axis)))
        .collect();
    ids.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(a.cost(axis).total_cmp(&b.cost(axis)))
            .then(a.id.cmp(&b.id))
    });
    let mut out: Vec<usize> = Vec::new();
    for c in ids {
        let twin = out.iter().any(|&o| {
            let o = &candidates[o];
            o.score() == c.score() && o.cost(axis) == c.cost(axis)
        });
        if !twin {
            out.push(c.id);
        }
    }
    out
}

/// The best candidate: the front's first (highest score, then cheapest).
pub fn best(candidates: &[Candidate], cases: usize, axis: CostAxis) -> Option<usize> {
    front(candidates, cases, axis).first().copied()
}

/// The parent of the next reflection: of the front's candidates that fail
/// some case, the least expanded, then the highest scoring, then the oldest.
pub fn parent(candidates: &[Candidate], cases: usize, axis: CostAxis) -> Option<usize> {
    front(candidates, cases, axis)
        .into_iter()
        .map(|id| &candidates[id])
        .filter(|c| !c.failing().is_empty())
        .min_by(|a, b| {
            a.expansions
                .cmp(&b.expansions)
                .then(b.score().total_cmp(&a.score()))
                .then(a.id.cmp(&b.id))
        })
        .map(|c| c.id)
}

/// The budget of an optimisation and what it has spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchBudget {
    pub max_calls: u64,
    pub max_usd: Option<f64>,
    /// The most model calls one case run can make (its caps).
    pub run_calls: u64,
    pub spent_calls: u64,
    pub spent_usd: f64,
}

impl SearchBudget {
    /// Whether `runs` case runs (and a reflection call first, if `reflect`)
    /// fit in what is left, each at its most.
    pub fn affords(&self, runs: usize, reflect: bool) -> bool {
        let worst = runs as u64 * self.run_calls + u64::from(reflect);
        let calls_ok = self.spent_calls + worst <= self.max_calls;
        let usd_ok = self.max_usd.is_none_or(|max| self.spent_usd < max);
        calls_ok && usd_ok
    }

    /// Dollars a run may still spend (its `budgets.max_cost_usd`).
    pub fn usd_left(&self) -> Option<f64> {
        self.max_usd.map(|max| (max - self.spent_usd).max(0.0))
    }

    pub fn spend(&mut self, calls: u64, usd: f64) {
        self.spent_calls += calls;
        self.spent_usd += usd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(case: &str, passed: bool, tokens: u64) -> EvalRow {
        EvalRow {
            case: case.into(),
            variant: String::new(),
            run: 1,
            model: None,
            answer: Some("x".into()),
            finish: "answered".into(),
            passed,
            criteria_passed: usize::from(passed),
            criteria_total: 1,
            score: f64::from(u8::from(passed)),
            judge: None,
            cost_usd: 0.0,
            tokens,
            latency_ms: 1,
            steps: 1,
            subcalls: 0,
            trace: None,
            trace_events: None,
            error: None,
        }
    }

    fn candidate(id: usize, passes: &[bool], tokens: u64) -> Candidate {
        let rows = passes
            .iter()
            .enumerate()
            .map(|(i, &p)| (format!("case{i}"), row(&format!("case{i}"), p, tokens)))
            .collect();
        Candidate {
            id,
            parent: None,
            changed: None,
            files: BTreeMap::new(),
            rows,
            failures: BTreeMap::new(),
            expansions: 0,
            status: if id == 0 { Status::Seed } else { Status::Evaluated },
        }
    }

    #[test]
    fn the_front_keeps_what_no_one_beats_on_both_score_and_cost() {
        let cands = vec![
            candidate(0, &[false, false, false, false], 100),
            candidate(1, &[true, false, false, false], 90), // beats 0 on both
            candidate(2, &[true, true, true, true], 300),   // best, dearer
            candidate(3, &[true, true, false, false], 400), // beaten by 2
            candidate(4, &[true, false, false, false], 90), // 1's twin
        ];
        assert_eq!(front(&cands, 4, CostAxis::Tokens), vec![2, 1]);
        assert_eq!(best(&cands, 4, CostAxis::Tokens), Some(2));
        // 2 passes everything: the parent is the front's other one.
        assert_eq!(parent(&cands, 4, CostAxis::Tokens), Some(1));
    }

    #[test]
    fn a_candidate_run_on_its_minibatch_only_is_not_on_the_front() {
        let mut cands = vec![candidate(0, &[false, true], 10), candidate(1, &[true], 5)];
        cands[1].status = Status::NotBetterOnMinibatch;
        assert_eq!(front(&cands, 2, CostAxis::Tokens), vec![0]);
    }

    #[test]
    fn minibatches_rotate_over_the_failing_cases() {
        let mut c = candidate(0, &[false, true, false, false], 10);
        assert_eq!(c.minibatch(2), vec!["case0", "case2"]);
        c.expansions = 1;
        assert_eq!(c.minibatch(2), vec!["case3", "case0"]);
        assert_eq!(c.minibatch(9), vec!["case0", "case2", "case3"]);
    }

    #[test]
    fn the_budget_counts_each_run_at_its_most() {
        let mut b = SearchBudget {
            max_calls: 10,
            max_usd: None,
            run_calls: 3,
            spent_calls: 0,
            spent_usd: 0.0,
        };
        assert!(b.affords(3, true));
        assert!(!b.affords(4, false));
        b.spend(2, 0.0);
        assert!(b.affords(2, true));
        assert!(!b.affords(3, false));
        let dollars = SearchBudget {
            max_calls: 99,
            max_usd: Some(0.5),
            run_calls: 1,
            spent_calls: 0,
            spent_usd: 0.5,
        };
        assert!(!dollars.affords(1, false));
        assert_eq!(dollars.usd_left(), Some(0.0));
    }
}
