//! How the loop behaves, apart from budgets and models: [`LoopOptions`]
//! (output shown per step, finalization guards, fallback, compaction,
//! windows, recursion depth, streaming, and the [`Helps`] for models that
//! follow instructions poorly).

/// What a sub-model call does when its prompt is larger than the sub-model's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverflowPolicy {
    /// The call fails with an error the program sees (and can react to by chunking).
    #[default]
    Error,
    /// The prompt is split into window-sized parts (each keeping the prompt's
    /// first lines as a header); the answers are joined with newlines.
    Chunk,
}

/// When and how old turns are summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionOptions {
    /// Summarise once the history's estimated tokens exceed this fraction of
    /// the root model's window.
    pub threshold_ratio: f64,
    /// Messages kept verbatim after the summary (even: assistant/user pairs).
    pub keep_last: usize,
}

impl Default for CompactionOptions {
    fn default() -> Self {
        CompactionOptions { threshold_ratio: 0.8, keep_last: 4 }
    }
}

/// Passages of the plain term search shown in the first message (the value
/// the measured `final` arms used).
const EVIDENCE_PASSAGES: usize = 3;

/// Hits of the retrieval first step (the value of the measured `bm25-on` arm).
const COMPACT_FIRST_STEP_HITS: usize = 5;

/// The loop's help for models that follow instructions poorly (issue #19).
/// Each is switchable; [`Helps::for_profile`] gives the measured defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Helps {
    /// Passages shown in the first message, found by a plain term search for
    /// the question's salient words (0: none). A configured retrieval first
    /// step takes precedence.
    pub evidence_passages: usize,
    /// When a program prints nothing useful (nothing, or only its own search
    /// words), the feedback shows the text around the first hits.
    pub teaching_feedback: bool,
    /// What a repeated program does instead of running again.
    pub repeat_escape: Option<RepeatEscape>,
    /// Ask the root model's server to hold replies to one ```repl block or a
    /// FINAL line (a grammar; providers without constrained decoding ignore it).
    pub constrain_root: bool,
    /// Counting questions are counted by program: the first message shows
    /// the lines holding the question's terms inside its dates and the
    /// `count_lines` call counting them, a printed count is shown those
    /// lines, and the repeat escape's strategy counts them (a sub-model only
    /// confirms uncertain lines) instead of asking sub-models to count.
    /// The lines are shown only when the runtime's regex expresses all the
    /// question names, labelled as its own search, never as the answer; and
    /// a counting question's FINAL of a literal count is refused unless a
    /// program of the model printed that count (issue #39).
    pub count_by_program: bool,
    /// When a program's output holds text with most of the question's
    /// salient words, the feedback presents it as evidence, framed as the
    /// first message's evidence is, with "check whether one of them answers
    /// it" (no invitation to answer from it: issue #39).
    pub answer_from_output: bool,
    /// A reply that is only a short answer (no program, no FINAL) ends the
    /// run when the answer is grounded: a count one of the model's programs
    /// printed (never a count the runtime showed itself: issue #39), or a
    /// text copied from the evidence or output the runtime showed, not from
    /// the question (`grounds.rs`).
    pub bare_answer: bool,
    /// A program sent again right after it printed a count (a counting
    /// question's) ends the run with the count it printed.
    pub confirmed_repeat: bool,
    /// The value of a program's last expression (when not None) is shown
    /// after its output, as Python's interactive prompt shows it: a program
    /// ending in `grep("x")` shows the hits instead of nothing.
    pub echo_last_expression: bool,
    /// Hits of the retrieval-aware first step when a retriever is configured
    /// and the retrieval settings leave the first step unset (0: none). Read
    /// by the front end that builds the retrieval settings (`rlm run`).
    pub retrieval_first_step: usize,
}

impl Helps {
    /// No help: the loop as it is for frontier models.
    pub fn none() -> Helps {
        Helps {
            evidence_passages: 0,
            teaching_feedback: false,
            repeat_escape: None,
            constrain_root: false,
            count_by_program: false,
            answer_from_output: false,
            bare_answer: false,
            confirmed_repeat: false,
            echo_last_expression: false,
            retrieval_first_step: 0,
        }
    }

    /// Every help on.
    pub fn all() -> Helps {
        Helps {
            evidence_passages: EVIDENCE_PASSAGES,
            teaching_feedback: true,
            repeat_escape: Some(RepeatEscape::default()),
            constrain_root: true,
            count_by_program: true,
            answer_from_output: true,
            bare_answer: true,
            confirmed_repeat: true,
            echo_last_expression: true,
            retrieval_first_step: COMPACT_FIRST_STEP_HITS,
        }
    }

    /// The defaults of a prompt profile: only what measurement showed to
    /// help (docs/benchmarks/2026-11-22-issue-19-small-models-1.5b.md, issue #19,
    /// Qwen2.5-Coder-1.5B root and sub-model).
    ///
    /// * Full (frontier models): nothing; no measurement asks for a help.
    /// * Compact (small models):
    ///   - evidence first, from the retriever when one is configured
    ///     (`retrieval_first_step`, 5 hits) else from the plain term search
    ///     (`evidence_passages`): the #18 needle grid, arms `bm25-on` (5 BM25
    ///     hits in the first message) against `bm25-off`, 8/8 against 1/8 at
    ///     128K and 2M characters; the plain term search shows the same kind
    ///     of passages when no retriever is configured (its own needle row is
    ///     still to be measured);
    ///   - counting by program (`count_by_program`): logs 10K, 3/3 with it
    ///     against 0/3 without (the `final` arm before and after it);
    ///   - a grounded bare answer (`bare_answer`): logs 10K-1M, 12/12 with it,
    ///     every run ended by a bare count in one step (arm `grounded-bm25`),
    ///     against 1/3 without (task 0 of `defaults-bm25`: the 1.5B model's
    ///     bare "23" was refused and the run lost);
    ///     measured before issue #39: since then a bare count is taken only
    ///     when a program of the model printed it, never because it equals
    ///     the count the runtime showed (that count grounded those runs);
    ///   - the echo of a program's last expression (`echo_last_expression`):
    ///     in the same grid 2 of 52 runs ended programs with a bare
    ///     `grep(...)`, whose hits were shown instead of "no output"; one of
    ///     them answered from those hits.
    ///
    /// Teaching feedback, the repeat escape, the grammar, answer-from-output
    /// and the confirmed repeat stay off: no run measured any of them alone
    /// (the confirmed repeat never fired: bare answers ended the runs first). Turn any on with
    /// `rlm run --helps LIST`, everything with `--helps all`, nothing with
    /// `--helps none` (ablations).
    pub fn for_profile(profile: rlm_prompts::PromptProfile) -> Helps {
        match profile {
            rlm_prompts::PromptProfile::Full => Helps::none(),
            rlm_prompts::PromptProfile::Compact => Helps {
                evidence_passages: EVIDENCE_PASSAGES,
                retrieval_first_step: COMPACT_FIRST_STEP_HITS,
                count_by_program: true,
                bare_answer: true,
                echo_last_expression: true,
                ..Helps::none()
            },
        }
    }
}

impl Helps {
    /// The switches the helps' own crate reads (rlm-helps' `RunHelps`).
    pub fn switches(&self) -> rlm_helps::Switches {
        rlm_helps::Switches {
            evidence_passages: self.evidence_passages,
            teaching_feedback: self.teaching_feedback,
            count_by_program: self.count_by_program,
            answer_from_output: self.answer_from_output,
            bare_answer: self.bare_answer,
            confirmed_repeat: self.confirmed_repeat,
        }
    }
}

impl Default for Helps {
    fn default() -> Self {
        Helps::none()
    }
}

/// A repeated program is not re-run: the model is asked again at a higher
/// temperature with the program shown as failed, and after `fallback_after`
/// repeats the built-in strategy for the question's shape runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatEscape {
    /// Temperature of the re-ask.
    pub temperature: f32,
    /// Repeats before the built-in strategy runs (0: never).
    pub fallback_after: u32,
}

impl Default for RepeatEscape {
    fn default() -> Self {
        RepeatEscape { temperature: 0.8, fallback_after: 2 }
    }
}

/// How the loop behaves (everything not about budgets or models).
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Program output shown to the model per step, in characters (head and tail kept).
    pub max_output_chars: usize,
    /// Refuse a FINAL before any program has run (the model cannot have seen data).
    pub require_program_before_final: bool,
    /// Refuse a FINAL before any sub-model call was made.
    pub require_subcall_before_final: bool,
    /// Take an answer that rests on no evidence (`run_loop/ledger.rs`):
    /// off by default, the run then ends `no_evidence` with no answer.
    pub accept_ungrounded: bool,
    /// Refuse a FINAL whose value is only template text ("answer", "the
    /// answer", "<your answer>", "...", empty, "None") and ask again; the
    /// step and time budgets bound the re-asks. On by default: it fires only
    /// on values no question has as its answer.
    pub refuse_placeholder_final: bool,
    /// Consecutive replies with nothing to run before the loop gives up on the
    /// model (runs the fallback program, then asks for a final answer).
    pub max_invalid_replies: u32,
    /// A program run when the model keeps failing to produce one.
    pub fallback_program: Option<String>,
    /// A variable that, once set (not None) by a program, is the answer.
    pub auto_final_var: Option<String>,
    /// pyrlm's `fallback_guard_steps`: from this root step on, a run whose
    /// `auto_final_var` holds no answer yet (unset, None, "", "no_answer",
    /// "none", "0") runs `fallback_program` (once) after the step; the
    /// variable's value then ends the run (`run_loop/guards.rs`).
    pub fallback_guard_steps: Option<u32>,
    /// pyrlm's `subcall_guard_steps`: with `require_subcall_before_final`,
    /// from this root step on a run that has made no sub-model call runs
    /// `fallback_program` (once) after the step.
    pub subcall_guard_steps: Option<u32>,
    /// History compaction; `None` never compacts.
    pub compaction: Option<CompactionOptions>,
    /// The root model's window in tokens, when the adapter does not know it.
    pub root_window_tokens: Option<u64>,
    /// The sub-model's window in tokens, when the adapter does not know it.
    pub sub_window_tokens: Option<u64>,
    /// What a too-large subcall prompt does.
    pub sub_overflow: OverflowPolicy,
    /// `max_tokens` of root-model calls.
    pub root_max_tokens: Option<u32>,
    /// `max_tokens` of sub-model calls (a program's `max_tokens=` wins).
    pub sub_max_tokens: Option<u32>,
    /// Sub-model calls and sub-RLMs one suspension of a program may start
    /// at once (an `llm_batch`, an `asyncio.gather`, an `ask_chunks`): past
    /// it the calls raise before anything is sent or charged.
    pub max_batch: usize,
    /// Stream the root model's replies, so trace listeners see its text as it
    /// arrives (`TraceListener::on_delta`). Sessions turn it on per execution.
    pub stream_root: bool,
    /// Help for models that follow instructions poorly.
    pub helps: Helps,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            max_output_chars: 20_000,
            require_program_before_final: rlm_config::DEFAULT_REQUIRE_PROGRAM,
            require_subcall_before_final: rlm_config::DEFAULT_REQUIRE_SUBCALL,
            accept_ungrounded: rlm_config::DEFAULT_ACCEPT_UNGROUNDED,
            refuse_placeholder_final: true,
            max_invalid_replies: rlm_config::DEFAULT_MAX_INVALID_REPLIES,
            fallback_program: None,
            auto_final_var: Some("final_answer".to_string()),
            fallback_guard_steps: None,
            subcall_guard_steps: None,
            compaction: Some(CompactionOptions::default()),
            root_window_tokens: None,
            sub_window_tokens: None,
            sub_overflow: OverflowPolicy::Error,
            root_max_tokens: None,
            sub_max_tokens: None,
            max_batch: usize::try_from(rlm_config::DEFAULT_MAX_BATCH).unwrap_or(usize::MAX),
            stream_root: false,
            helps: Helps::none(),
        }
    }
}

impl LoopOptions {
    /// The options an [`rlm_config::RlmConfig`] sets (the guards and the
    /// batch cap; the depth is the budget's, `budgets.max_depth`; `fallback_program` is the source its
    /// `guards.fallback_program` names, read by the front end), the rest
    /// default, with `helps`. Every
    /// front end builds its loop through this, so a guard cannot be dropped
    /// by one of them.
    pub fn from_config(
        config: &rlm_config::RlmConfig,
        fallback_program: Option<String>,
        helps: Helps,
    ) -> LoopOptions {
        let defaults = LoopOptions::default();
        LoopOptions {
            max_batch: config
                .budgets
                .max_batch
                .map_or(defaults.max_batch, |n| usize::try_from(n).unwrap_or(usize::MAX)),
            require_program_before_final: config.guards.require_program,
            require_subcall_before_final: config.guards.require_subcall,
            accept_ungrounded: config.guards.accept_ungrounded,
            max_invalid_replies: config.guards.max_invalid_replies,
            fallback_guard_steps: config.guards.fallback_steps,
            subcall_guard_steps: config.guards.subcall_steps,
            fallback_program,
            helps,
            ..defaults
        }
    }
}

/// The deepest sub-RLM (`rlm_query`) level of a run under `budget`: its
/// `max_depth` (the one home of `budgets.max_depth`), else the default; at
/// this depth `rlm_query` is a plain subcall.
pub(crate) fn sub_rlm_depth(budget: &rlm_policy::Budget) -> u32 {
    budget.max_depth().unwrap_or(rlm_config::DEFAULT_MAX_DEPTH)
}
