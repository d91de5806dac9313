//! `rlm optimize DIR` (issue #81): reflective prompt evolution in the manner
//! of GEPA (Agrawal et al., 2025) over a folder of cases (the folders of
//! `rlm test` and `rlm eval`).
//!
//! The starting prompts (the configured profile's, with `--prompts-dir`
//! over them) are run on every case and scored by the cases' criteria. Then,
//! while the budget allows: a parent is taken from the Pareto front of score
//! against cost; a reflection model reads the parent's file under
//! optimisation (`--file`, in turn) and a minibatch of the cases it failed
//! (question, what was expected, the answer, the model's programs and
//! outputs) and writes the file anew; the child runs on that minibatch and,
//! only if it scores better there than its parent, on every other case.
//!
//! The budget is in model calls (`--max-calls`, every call of every case run
//! and every reflection; a run is started only when its worst case, its
//! caps' `--run-calls`, fits) and dollars (`--max-usd`: a step starts only
//! while the spend is below it, each case run capped at what is left; a
//! reflection's price is known only once it is made). The output folder
//! holds `prompts/` (the best candidate, for `--prompts-dir`), each
//! candidate's folder, `results.jsonl`, `report.html` (the front, every
//! candidate with its diff and its answers, each run's trace) and
//! `recordings/`: every model call, so that `--replay-from` runs the same
//! optimisation again with no model at all.

mod reflect;
mod report;
mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rlm_core::EngineModels;
use rlm_core::adapters::{
    CompletionRequest, FinishReason, ModelAdapter, PriceTable, estimate_tokens, recorded_models,
};

use crate::cases::{Case, CaseRun, RECORDING_SUFFIX, cases_in, run_case};
use crate::config::{ConfigFlags, Settings};
use crate::engine::engine_parts;
use crate::eval_cmd::{EvalRow, fill_row, write_traces};
use crate::exit::{CliError, Exit};
use reflect::Failure;
use search::{Candidate, CostAxis, SearchBudget, Status};

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// The folder of cases: task files (NAME.toml or NAME.json) with criteria.
    pub dir: PathBuf,
    /// A prompt file the reflections may rewrite (repeat it; taken in turn):
    /// system.md, first_user.md, feedback.md, ...
    #[arg(long = "file", value_name = "NAME", default_values_t = ["system.md".to_string()])]
    pub files: Vec<String>,
    /// The model that reads the failures and rewrites the file (default:
    /// the configured model).
    #[arg(long, value_name = "MODEL")]
    pub reflection_model: Option<String>,
    /// The script the scripted reflection model plays.
    #[arg(long, value_name = "PATH")]
    pub reflection_script: Option<PathBuf>,
    /// The budget in model calls: case runs and reflections together.
    #[arg(long, default_value_t = 100)]
    pub max_calls: u64,
    /// The budget in dollars (default: none).
    #[arg(long, value_name = "USD")]
    pub max_usd: Option<f64>,
    /// The most model calls one case run may make: its steps (root calls,
    /// a closing call after the last) and subcalls are capped so that
    /// together they stay within it, and sub-RLMs are off (their calls
    /// would have no bound known in advance).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(2..))]
    pub run_calls: u64,
    /// Failing cases a reflection reads, and its child is first run on.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub minibatch: u64,
    /// Stop after this many reflections in a row gave nothing better (no
    /// candidate, or one not better on its minibatch).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..))]
    pub patience: u64,
    /// Where the prompts, the report and the recordings go.
    #[arg(long, value_name = "DIR", default_value = "rlm-optimize")]
    pub out: PathBuf,
    /// Replay an earlier optimisation from its output folder's recordings:
    /// no model is called.
    #[arg(long, value_name = "DIR")]
    pub replay_from: Option<PathBuf>,
    /// A scripted model file (.toml/.json) for `--model scripted`.
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Every knob of the configuration (models, `--prompts-dir` to start
    /// from, `--prompt-profile`, budgets...): see `rlm config`.
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// Why the search stopped.
const STOP_PERFECT: &str = "a candidate passes every case";
const STOP_BUDGET: &str = "the budget cannot pay for another step";
const STOP_NO_PARENT: &str = "no candidate on the front fails a case";
const STOP_PATIENCE: &str = "--patience reflections in a row gave nothing better";

/// The recording of every reflection, in order.
const REFLECTIONS: &str = "reflections.recording.jsonl";
/// The reflection model's sampling temperature.
const REFLECTION_TEMPERATURE: f32 = 0.7;
/// How long one reflection may take (a small local model writing a whole
/// system prompt on a CPU takes minutes).
const REFLECTION_TIMEOUT: Duration = Duration::from_secs(1_800);

/// The caps of one case run: at most `steps` root calls, one closing call
/// after them, and `subcalls`, so `--run-calls` in all; tighter where the
/// configuration's own budgets are.
#[derive(Debug, Clone, Copy)]
struct RunCaps {
    steps: u64,
    subcalls: u64,
}

impl RunCaps {
    fn of(run_calls: u64, configured: &rlm_config::Budgets) -> RunCaps {
        let steps = (run_calls / 2).max(1);
        let subcalls = run_calls.saturating_sub(steps + 1);
        RunCaps {
            steps: configured.max_steps.map_or(steps, |s| s.min(steps)),
            subcalls: configured.max_subcalls.map_or(subcalls, |s| s.min(subcalls)),
        }
    }
}

/// A reflection that gave no candidate, for the report.
#[derive(Debug, Clone)]
pub struct Refused {
    pub parent: usize,
    pub file: String,
    pub why: String,
}

/// One optimisation under way.
struct Optimizer<'a> {
    args: &'a OptimizeArgs,
    cases: Vec<Case>,
    /// The configured `prompts_dir` the search starts from, if any.
    start: Option<PathBuf>,
    /// Each case run's caps.
    caps: RunCaps,
    candidates: Vec<Candidate>,
    refused: Vec<Refused>,
    reflector: Option<Arc<dyn ModelAdapter>>,
    budget: SearchBudget,
    reflections: usize,
    runtime: tokio::runtime::Runtime,
}

pub fn optimize(args: OptimizeArgs) -> Result<Exit, CliError> {
    for file in &args.files {
        if !rlm_core::prompts::PROMPT_FILES.contains(&file.as_str()) {
            return Err(CliError::Config(format!(
                "--file {file}: not a prompt file (one of {})",
                rlm_core::prompts::PROMPT_FILES.join(", ")
            )));
        }
    }
    let cases = cases_in(&args.dir)?;
    for dir in ["candidates", "recordings", "traces", "prompts"] {
        let path = args.out.join(dir);
        std::fs::create_dir_all(&path)
            .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let budget = SearchBudget {
        max_calls: args.max_calls,
        max_usd: args.max_usd,
        run_calls: args.run_calls,
        spent_calls: 0,
        spent_usd: 0.0,
    };
    let mut opt = Optimizer {
        args: &args,
        cases,
        start: None,
        caps: RunCaps::of(args.run_calls, &rlm_config::Budgets::default()),
        candidates: Vec::new(),
        refused: Vec::new(),
        reflector: None,
        budget,
        reflections: 0,
        runtime,
    };
    let stopped = opt.search()?;
    opt.finish(stopped)
}

impl Optimizer<'_> {
    fn case_names(&self) -> Vec<String> {
        self.cases.iter().map(|c| c.name.clone()).collect()
    }

    fn axis(&self) -> CostAxis {
        CostAxis::of(self.candidates.iter().flat_map(|c| c.rows.values()))
    }

    /// Runs the seed, then reflections until a stop; says why it stopped.
    fn search(&mut self) -> Result<&'static str, CliError> {
        let seed = Candidate {
            id: 0,
            parent: None,
            changed: None,
            files: self.seed_files()?,
            rows: BTreeMap::new(),
            failures: BTreeMap::new(),
            expansions: 0,
            status: Status::Seed,
        };
        self.candidates.push(seed);
        if !self.budget.affords(self.cases.len(), false) {
            return Err(CliError::Config(format!(
                "--max-calls {}: the starting prompts alone may take {} calls ({} cases × --run-calls {})",
                self.args.max_calls,
                self.cases.len() as u64 * self.args.run_calls,
                self.cases.len(),
                self.args.run_calls
            )));
        }
        self.run_on(0, &self.case_names())?;
        self.say(0);
        let mut fruitless = 0;
        loop {
            if fruitless >= self.args.patience {
                return Ok(STOP_PATIENCE);
            }
            let (cases, axis) = (self.cases.len(), self.axis());
            if self.candidates.iter().any(|c| c.is_evaluated(cases) && c.failing().is_empty()) {
                return Ok(STOP_PERFECT);
            }
            let Some(parent) = search::parent(&self.candidates, cases, axis) else {
                return Ok(STOP_NO_PARENT);
            };
            let batch = self.candidates[parent].minibatch(self.args.minibatch as usize);
            if !self.budget.affords(batch.len(), true) {
                return Ok(STOP_BUDGET);
            }
            fruitless += 1;
            if let Some(child) = self.propose(parent, &batch)? {
                self.run_on(child, &batch)?;
                let better = self.candidates[child].score_on(&batch)
                    > self.candidates[parent].score_on(&batch);
                let rest: Vec<String> =
                    self.case_names().into_iter().filter(|c| !batch.contains(c)).collect();
                self.candidates[child].status = if !better {
                    Status::NotBetterOnMinibatch
                } else if self.budget.affords(rest.len(), false) {
                    self.run_on(child, &rest)?;
                    Status::Evaluated
                } else {
                    Status::Unfinished
                };
                self.say(child);
                match self.candidates[child].status {
                    Status::Unfinished => return Ok(STOP_BUDGET),
                    Status::Evaluated => fruitless = 0,
                    _ => {}
                }
            }
        }
    }

    /// The files under optimisation as the configured root model reads them.
    fn seed_files(&mut self) -> Result<BTreeMap<String, String>, CliError> {
        let mut flags = self.args.config.clone();
        if self.args.replay_from.is_some() {
            // The models the seed's first run went to (the profile follows them).
            let first = format!("c0/{}{RECORDING_SUFFIX}", self.cases[0].name);
            for (knob, value) in self.recording_knobs(&first)? {
                flags.set(knob, value);
            }
        }
        let settings = Settings::from_process(&flags)?;
        let config = settings.resolve()?;
        self.start.clone_from(&config.prompts_dir);
        self.caps = RunCaps::of(self.args.run_calls, &config.budgets);
        let parts = engine_parts(config, settings.env.clone(), self.args.script.as_deref())?;
        let prompts = parts.prompts()?;
        Ok(self
            .args
            .files
            .iter()
            .map(|f| (f.clone(), prompts.text_of(f).unwrap_or_default().to_string()))
            .collect())
    }

    /// A line on stderr for each candidate as it is settled.
    fn say(&self, id: usize) {
        let c = &self.candidates[id];
        let status = match c.status {
            Status::Seed => "the starting prompts",
            Status::Evaluated => "run on every case",
            Status::NotBetterOnMinibatch => "not better on its minibatch",
            Status::Unfinished => "better on its minibatch; no budget for the rest",
        };
        eprintln!(
            "c{id}: {}/{} passed, score {:.2} ({status}); {} of {} calls spent",
            c.passed(),
            c.rows.len(),
            c.score(),
            self.budget.spent_calls,
            self.budget.max_calls
        );
    }

    /// Reflects on `parent`'s failures of `batch`: the new candidate's id,
    /// or `None` when the reply gave none (counted, and kept for the report).
    fn propose(&mut self, parent: usize, batch: &[String]) -> Result<Option<usize>, CliError> {
        let p = &self.candidates[parent];
        let file = self.args.files[p.expansions % self.args.files.len()].clone();
        let current = p.files.get(&file).cloned().unwrap_or_default();
        let failures: Vec<Failure> =
            batch.iter().filter_map(|name| p.failures.get(name).cloned()).collect();
        self.candidates[parent].expansions += 1;
        let prompt = reflect::prompt(&file, &current, &failures)?;
        let reply = self.reflect(prompt, &current)?;
        let proposed = reply.and_then(|(reply, cut)| {
            reflect::proposal(&reply, &current, cut).map_err(|e| e.to_string())
        });
        let proposed = proposed.and_then(|text| {
            let mut files = self.candidates[parent].files.clone();
            files.insert(file.clone(), text);
            match self.candidates.iter().find(|c| c.files == files) {
                Some(twin) => Err(format!("the new file is c{}'s, already tried", twin.id)),
                None => Ok(files),
            }
        });
        match proposed {
            Ok(files) => {
                let id = self.candidates.len();
                self.candidates.push(Candidate {
                    id,
                    parent: Some(parent),
                    changed: Some(file),
                    files,
                    rows: BTreeMap::new(),
                    failures: BTreeMap::new(),
                    expansions: 0,
                    status: Status::Evaluated,
                });
                Ok(Some(id))
            }
            Err(why) => {
                eprintln!("reflection {} on c{parent}: no candidate: {why}", self.reflections);
                self.refused.push(Refused { parent, file, why });
                Ok(None)
            }
        }
    }

    /// The knobs that record the calls of `name` (a file under
    /// `recordings/`), or replay them from the earlier run's, by the models
    /// they went to (a task's `model` must not override them).
    fn recording_knobs(&self, name: &str) -> Result<Vec<(&'static str, String)>, CliError> {
        let Some(earlier) = &self.args.replay_from else {
            return Ok(vec![("record", recording_path(&self.args.out, name))]);
        };
        let path = earlier.join("recordings").join(name);
        let models = recorded_models(&path)
            .map_err(|e| CliError::Config(format!("--replay-from {}: {e}", earlier.display())))?;
        copy_recording(earlier, &self.args.out, name)?;
        let mut knobs = vec![("replay", path.display().to_string())];
        if let Some(root) = models.first() {
            knobs.push(("model", root.clone()));
            knobs.push(("sub_model", models.get(1).unwrap_or(root).clone()));
        }
        Ok(knobs)
    }

    /// The reflection model, set up once (a script plays on across the
    /// reflections), writing every exchange to one recording, or answering
    /// from the earlier run's.
    fn reflector(&mut self) -> Result<Arc<dyn ModelAdapter>, CliError> {
        if let Some(model) = &self.reflector {
            return Ok(Arc::clone(model));
        }
        let mut flags = self.args.config.clone();
        if let Some(model) = &self.args.reflection_model {
            flags.set("model", model.as_str());
        }
        for (knob, value) in self.recording_knobs(REFLECTIONS)? {
            flags.set(knob, value);
        }
        let settings = Settings::from_process(&flags)?;
        let script = self.args.reflection_script.as_deref();
        let parts = engine_parts(settings.resolve()?, settings.env.clone(), script)?;
        let root = parts.config().model.clone();
        let (model, _) = parts.models(EngineModels::Named { root, sub: None })?;
        self.reflector = Some(Arc::clone(&model));
        Ok(model)
    }

    /// One call of the reflection model on `current`'s failures: its reply
    /// and whether it was cut at its token limit, or why there is none.
    fn reflect(
        &mut self,
        prompt: String,
        current: &str,
    ) -> Result<Result<(String, bool), String>, CliError> {
        let model = self.reflector()?;
        self.reflections += 1;
        let mut request = CompletionRequest::user(prompt);
        // Room for the whole file rewritten, and some: a small model that
        // repeats itself stops there rather than at a long fixed limit.
        let room = estimate_tokens(current).saturating_mul(2).saturating_add(512);
        request.params.max_tokens = Some(room.min(4_096) as u32);
        // Sampled, as GEPA's reflections are, with a seed of the reflection's
        // number: the same failures read again give another proposal (at 0
        // a small model gave the same one each time), and a replay the same.
        request.params.temperature = Some(REFLECTION_TEMPERATURE);
        request.params.seed = Some(self.reflections as u64);
        let call = self.runtime.block_on(async {
            tokio::time::timeout(REFLECTION_TIMEOUT, model.complete(&request)).await
        });
        // A call that failed or timed out is counted too: it was made.
        let usd = match &call {
            Ok(Ok(c)) => PriceTable::default().cost(&model.model_id(), &c.usage).unwrap_or(0.0),
            _ => 0.0,
        };
        self.budget.spend(1, usd);
        match call {
            Ok(Ok(c)) => Ok(Ok((c.text, c.finish_reason == Some(FinishReason::Length)))),
            Ok(Err(e)) => Ok(Err(format!("the reflection model failed: {e}"))),
            Err(_) => Ok(Err(format!(
                "the reflection model did not answer in {} s",
                REFLECTION_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Runs candidate `id` on `cases`, each capped to `--run-calls` calls,
    /// recorded (or replayed), its rows and traces kept.
    fn run_on(&mut self, id: usize, cases: &[String]) -> Result<(), CliError> {
        let dir = self.write_candidate(id)?;
        let recordings = self.args.out.join("recordings").join(format!("c{id}"));
        std::fs::create_dir_all(&recordings)
            .map_err(|e| CliError::Write { what: recordings.display().to_string(), source: e })?;
        for name in cases {
            let Some(case) = self.cases.iter().find(|c| &c.name == name).cloned() else {
                continue;
            };
            let recording = format!("c{id}/{name}{RECORDING_SUFFIX}");
            let mut knobs: Vec<(&'static str, String)> = vec![
                ("prompts_dir", dir.display().to_string()),
                ("budgets.max_steps", self.caps.steps.to_string()),
                ("budgets.max_subcalls", self.caps.subcalls.to_string()),
                ("budgets.max_depth", "0".to_string()),
            ];
            knobs.extend(self.recording_knobs(&recording)?);
            if let Some(usd) = self.budget.usd_left() {
                knobs.push(("budgets.max_cost_usd", usd.to_string()));
            }
            // A run that cannot start (a bad task file, a model that cannot
            // be set up) stops the search: it is not a score.
            let done = run_case(&case, &self.args.config, self.args.script.as_deref(), &knobs)?;
            let usage = &done.result.usage;
            self.budget.spend(usage.root_calls + usage.subcalls, usage.cost_usd);
            let mut row = EvalRow::empty(name, &format!("c{id}"), 1);
            self.keep_run(id, &done, &mut row)?;
            self.candidates[id].rows.insert(name.clone(), row);
        }
        Ok(())
    }

    /// A finished run's figures in `row`, its traces written, and what a
    /// reflection would read of it kept.
    fn keep_run(&mut self, id: usize, done: &CaseRun, row: &mut EvalRow) -> Result<(), CliError> {
        fill_row(row, done);
        let stem = format!("c{id}--{}", row.case);
        write_traces(done, &self.args.out.join("traces"), &stem)?;
        row.trace = Some(format!("traces/{stem}.html"));
        row.trace_events = Some(format!("traces/{stem}.jsonl"));
        let failure = Failure::of(&row.case, &done.question, &done.result);
        self.candidates[id].failures.insert(row.case.clone(), failure);
        Ok(())
    }

    /// Writes candidate `id`'s prompts folder: the starting `--prompts-dir`'s
    /// files, with the files under optimisation as the candidate has them.
    fn write_candidate(&self, id: usize) -> Result<PathBuf, CliError> {
        let dir = self.args.out.join("candidates").join(format!("c{id}"));
        write_prompts(&dir, self.start.as_deref(), &self.candidates[id].files)?;
        Ok(dir.canonicalize().unwrap_or(dir))
    }

    /// Writes the best candidate, the results and the report; prints the table.
    fn finish(self, stopped: &str) -> Result<Exit, CliError> {
        let (cases, axis) = (self.cases.len(), self.axis());
        let front = search::front(&self.candidates, cases, axis);
        let best = search::best(&self.candidates, cases, axis).unwrap_or(0);
        let prompts = self.args.out.join("prompts");
        write_prompts(&prompts, self.start.as_deref(), &self.candidates[best].files)?;
        let rows: Vec<&EvalRow> = self.candidates.iter().flat_map(|c| c.rows.values()).collect();
        let jsonl: String =
            rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default() + "\n").collect();
        write(&self.args.out.join("results.jsonl"), &jsonl)?;
        let summary = report::Summary {
            cases: self.case_names(),
            candidates: &self.candidates,
            refused: &self.refused,
            front: &front,
            best,
            axis,
            budget: self.budget,
            stopped,
        };
        write(&self.args.out.join("report.html"), &report::html(&summary))?;
        print!("{}", report::table(&summary));
        println!(
            "best:    c{best} -> {}\nreport:  {}",
            prompts.display(),
            self.args.out.join("report.html").display()
        );
        Ok(Exit::Ok)
    }
}

fn recording_path(out: &Path, name: &str) -> String {
    out.join("recordings").join(name).display().to_string()
}

/// Keeps a replayed recording in the new output folder, so it replays too.
fn copy_recording(earlier: &Path, out: &Path, name: &str) -> Result<(), CliError> {
    let (from, to) = (earlier.join("recordings").join(name), out.join("recordings").join(name));
    if from == to || !from.exists() {
        return Ok(());
    }
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|e| CliError::Write { what: folder.display().to_string(), source: e })?;
    }
    std::fs::copy(&from, &to)
        .map(|_| ())
        .map_err(|e| CliError::Write { what: to.display().to_string(), source: e })
}

/// A prompts folder: the files of `start` (a `--prompts-dir`), then `files`.
fn write_prompts(
    dir: &Path,
    start: Option<&Path>,
    files: &BTreeMap<String, String>,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Write { what: dir.display().to_string(), source: e })?;
    if let Some(start) = start {
        let entries = std::fs::read_dir(start).map_err(|e| CliError::read(start, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| CliError::read(start, &e))?.path();
            if let (true, Some(name)) = (path.is_file(), path.file_name()) {
                let to = dir.join(name);
                std::fs::copy(&path, &to)
                    .map_err(|e| CliError::Write { what: to.display().to_string(), source: e })?;
            }
        }
    }
    for (name, text) in files {
        write(&dir.join(name), text)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text)
        .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })
}
