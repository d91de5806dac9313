//! The budgets' and guards' defaults, where nothing configures them.

/// Steps of one RLM loop when nothing caps them: a run must end even if
/// nothing else is capped.
pub const DEFAULT_MAX_STEPS: u64 = 20;
/// Deepest recursion by default (the root run is depth 0).
pub const DEFAULT_MAX_DEPTH: u32 = 2;
/// Sub-model calls one batch (`llm_batch` and its aliases, an
/// `asyncio.gather` of `llm_query`, `ask_chunks`) may send at once by
/// default. Real programs batch far fewer: the corpus's largest is the
/// reference implementation's own 10-chunk `llm_query_batched`, and this
/// workspace's task programs send 64 at a time; 256 leaves four times that,
/// and stops one program from sending thousands at once (issue #74: 3,000).
pub const DEFAULT_MAX_BATCH: u64 = 256;
/// A FINAL before any program has run is refused by default.
pub const DEFAULT_REQUIRE_PROGRAM: bool = true;
/// A FINAL before any sub-model call is accepted by default.
pub const DEFAULT_REQUIRE_SUBCALL: bool = false;
/// An answer that rests on no evidence is refused by default (issue #78).
pub const DEFAULT_ACCEPT_UNGROUNDED: bool = false;
/// Replies in a row with no program before the fallback program runs.
pub const DEFAULT_MAX_INVALID_REPLIES: u32 = 3;
