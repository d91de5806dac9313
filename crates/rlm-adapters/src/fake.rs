//! The scripted fake adapter that the CLI's offline mode and every offline test
//! use: ordered replies (for the root model's turns), regex rules (for
//! subcalls, whose order under concurrency is not fixed), scripted errors and
//! delays, plus simple `echo` and `fixed` modes. Deterministic: the same
//! requests in the same order get the same replies and the same usage.
//!
//! Script file (JSON or TOML):
//! ```toml
//! model = "scripted"
//! when_exhausted = "error"            # or "echo", "repeat_last", { fixed = "..." }
//! replies = ["```repl\nprint(len(P))\n```", "FINAL(42)"]
//! [[rules]]
//! pattern = "(?i)capital of (\\w+)"    # searched in the last user message
//! reply = "The capital of $1 is unknown to me."
//! [[rules]]
//! pattern = "overflow"
//! reply = { error = { kind = "context_length_exceeded", message = "too long" } }
//! ```

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;
use regex::Regex;
use rlm_types::{
    Completion, CompletionRequest, FinishReason, ModelId, OutputConstraint, Role, Usage,
    estimate_tokens, estimate_tokens_for_chars,
};
use serde::Deserialize;

use crate::adapter::{CallReport, ModelAdapter, StreamEvent, StreamReport};
use crate::error::{AdapterError, AdapterErrorKind};

/// The model name meaning "offline, scripted": a [`FakeAdapter`] of replies or a
/// script (`fake:scripted`); the one constant every crate compares against.
pub const SCRIPTED_MODEL: &str = "scripted";

/// A scripted error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeError {
    pub kind: AdapterErrorKind,
    #[serde(default)]
    pub message: String,
}

/// Scripted usage; missing counts are estimated (about 4 characters per token).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeUsage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub cached_tokens: Option<u64>,
}

/// One scripted reply: text, or an error, optionally after a delay.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FakeReply {
    Text(String),
    Full(FakeReplySpec),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeReplySpec {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub error: Option<FakeError>,
    #[serde(default)]
    pub usage: Option<FakeUsage>,
    /// `stop` (default), `length`, `content_filter`, or anything else.
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

impl FakeReply {
    fn spec(&self) -> FakeReplySpec {
        match self {
            FakeReply::Text(t) => FakeReplySpec { text: t.clone(), ..FakeReplySpec::default() },
            FakeReply::Full(s) => s.clone(),
        }
    }
}

impl From<&str> for FakeReply {
    fn from(s: &str) -> Self {
        FakeReply::Text(s.to_string())
    }
}

/// What a rule's pattern is searched in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchTarget {
    /// The last user message (the prompt of a subcall).
    #[default]
    LastUser,
    /// The system messages joined.
    System,
    /// Every message, joined with newlines.
    All,
}

/// A reply chosen by pattern. The reply text may use `$1`, `${name}` from the match.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeRule {
    pub pattern: String,
    #[serde(default)]
    pub target: MatchTarget,
    pub reply: FakeReply,
    /// Use this rule at most this many times (then it no longer matches).
    #[serde(default)]
    pub times: Option<u32>,
}

/// What happens when no rule matches and the ordered replies are used up.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenExhausted {
    /// A [`AdapterError::ScriptExhausted`] error.
    #[default]
    Error,
    /// Reply with the last user message.
    Echo,
    /// Reply with the last ordered reply again.
    RepeatLast,
    /// Reply with this text.
    Fixed(String),
}

/// A whole script.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeScript {
    /// The model name in the id (`fake:{model}`); default `scripted`.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub replies: Vec<FakeReply>,
    #[serde(default)]
    pub rules: Vec<FakeRule>,
    #[serde(default)]
    pub when_exhausted: WhenExhausted,
    #[serde(default)]
    pub context_window: Option<u64>,
}

impl FakeScript {
    /// Reads a `.json` or `.toml` script.
    pub fn from_file(path: &Path) -> Result<Self, AdapterError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AdapterError::Config(format!("cannot read fake script {}: {e}", path.display()))
        })?;
        let bad =
            |e: String| AdapterError::Config(format!("bad fake script {}: {e}", path.display()));
        if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| bad(e.to_string()))
        } else {
            serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
        }
    }
}

#[derive(Debug)]
enum Mode {
    Echo,
    Fixed(String),
    Script { replies: Vec<FakeReply>, rules: Vec<(Regex, FakeRule)>, when_exhausted: WhenExhausted },
}

/// Requests kept for inspection; older ones are dropped (a long stress run
/// must not grow without bound).
const MAX_RECORDED_REQUESTS: usize = 10_000;

/// Bytes of requests kept for inspection ([`request_bytes`]); older ones are
/// dropped first. The count alone let 10,000 large prompts hold 1.25 GB in
/// one served run (issue #74); no test inspects anywhere near this much.
const MAX_RECORDED_BYTES: usize = 16 << 20;

/// The requests a [`FakeAdapter`] keeps, newest last, within
/// [`MAX_RECORDED_REQUESTS`] and [`MAX_RECORDED_BYTES`].
#[derive(Debug, Default)]
struct RecordedRequests {
    kept: std::collections::VecDeque<(CompletionRequest, usize)>,
    /// The sum of the kept requests' sizes.
    bytes: usize,
    /// Nothing is kept ([`FakeAdapter::without_recording`]).
    off: bool,
}

impl RecordedRequests {
    /// Keeps `request`, dropping the oldest until both bounds hold. A
    /// request larger than the whole byte bound is not kept (only counted
    /// by [`FakeAdapter::calls`]), so the bound holds whatever is sent.
    fn push(&mut self, request: &CompletionRequest) {
        if self.off {
            return;
        }
        let size = request_bytes(request);
        if size > MAX_RECORDED_BYTES {
            return;
        }
        while self.kept.len() >= MAX_RECORDED_REQUESTS
            || self.bytes.saturating_add(size) > MAX_RECORDED_BYTES
        {
            let Some((_, dropped)) = self.kept.pop_front() else { break };
            self.bytes -= dropped;
        }
        self.kept.push_back((request.clone(), size));
        self.bytes += size;
    }
}

/// What keeping a request costs, in bytes: its messages' text and its
/// output constraint (a grammar or schema may be megabytes), the parts that
/// grow with what a program or client sends.
fn request_bytes(request: &CompletionRequest) -> usize {
    let text: usize = request.messages.iter().map(|m| m.content.len()).sum();
    let constraint = match &request.params.constraint {
        Some(OutputConstraint::Grammar(g) | OutputConstraint::JsonSchema(g)) => g.len(),
        None => 0,
    };
    text.saturating_add(constraint)
}

#[derive(Debug, Default)]
struct FakeState {
    next_reply: usize,
    rule_uses: Vec<u32>,
    calls: u64,
    requests: RecordedRequests,
}

/// A deterministic, scripted model.
#[derive(Debug)]
pub struct FakeAdapter {
    model: String,
    /// The script, compiled once; shared by [`FakeAdapter::from_start`]'s copies.
    mode: Arc<Mode>,
    context_window: Option<u64>,
    /// Whether it says it decodes under a grammar (it does not: a test's
    /// stand-in for llama.cpp, to see the loop choose the grammar).
    grammar: bool,
    state: Mutex<FakeState>,
}

impl FakeAdapter {
    /// Replies with the last user message.
    pub fn echo() -> Self {
        FakeAdapter {
            model: "echo".into(),
            mode: Arc::new(Mode::Echo),
            context_window: None,
            grammar: false,
            state: Mutex::default(),
        }
    }

    /// Always replies `text`.
    pub fn fixed(text: impl Into<String>) -> Self {
        FakeAdapter {
            model: "fixed".into(),
            mode: Arc::new(Mode::Fixed(text.into())),
            context_window: None,
            grammar: false,
            state: Mutex::default(),
        }
    }

    /// Replies in order (no rules, error when exhausted).
    pub fn replies<I, S>(replies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FakeAdapter {
            model: SCRIPTED_MODEL.into(),
            mode: Arc::new(Mode::Script {
                replies: replies.into_iter().map(|s| FakeReply::Text(s.into())).collect(),
                rules: Vec::new(),
                when_exhausted: WhenExhausted::Error,
            }),
            context_window: None,
            grammar: false,
            state: Mutex::default(),
        }
    }

    /// A full script; fails if a rule's pattern is not a valid regex.
    pub fn scripted(script: FakeScript) -> Result<Self, AdapterError> {
        let mut rules = Vec::with_capacity(script.rules.len());
        for rule in script.rules {
            let re = Regex::new(&rule.pattern).map_err(|e| {
                AdapterError::Config(format!("fake rule pattern {:?}: {e}", rule.pattern))
            })?;
            rules.push((re, rule));
        }
        let n = rules.len();
        Ok(FakeAdapter {
            model: script.model.unwrap_or_else(|| SCRIPTED_MODEL.into()),
            mode: Arc::new(Mode::Script {
                replies: script.replies,
                rules,
                when_exhausted: script.when_exhausted,
            }),
            context_window: script.context_window,
            grammar: false,
            state: Mutex::new(FakeState { rule_uses: vec![0; n], ..FakeState::default() }),
        })
    }

    /// Loads a script file (`.json` or `.toml`).
    pub fn from_file(path: &Path) -> Result<Self, AdapterError> {
        let mut script = FakeScript::from_file(path)?;
        if script.model.is_none() {
            script.model = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Self::scripted(script)
    }

    /// The same model played from its start, as a new adapter: its own
    /// position in the replies, rule uses and recorded requests, the script
    /// (replies, compiled rules) shared with this one, not compiled again.
    pub fn from_start(&self) -> Self {
        let rules = match &*self.mode {
            Mode::Script { rules, .. } => rules.len(),
            Mode::Echo | Mode::Fixed(_) => 0,
        };
        let requests =
            RecordedRequests { off: self.lock().requests.off, ..RecordedRequests::default() };
        FakeAdapter {
            model: self.model.clone(),
            mode: Arc::clone(&self.mode),
            context_window: self.context_window,
            grammar: false,
            state: Mutex::new(FakeState {
                rule_uses: vec![0; rules],
                requests,
                ..FakeState::default()
            }),
        }
    }

    /// Keeps no copy of the requests it is sent ([`FakeAdapter::requests`]
    /// stays empty), nor do its [`FakeAdapter::from_start`] copies: for a
    /// server, where nothing inspects them and copying each prompt (a root
    /// call's whole history) was a tenth of the scripted demo's work.
    pub fn without_recording(mut self) -> Self {
        self.state.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).requests.off = true;
        self
    }

    pub fn with_model_name(mut self, name: impl Into<String>) -> Self {
        self.model = name.into();
        self
    }

    pub fn with_context_window(mut self, tokens: u64) -> Self {
        self.context_window = Some(tokens);
        self
    }

    /// Says it decodes under a grammar, as llama.cpp does (see the field).
    pub fn with_grammar(mut self) -> Self {
        self.grammar = true;
        self
    }

    /// The requests received so far, in arrival order: the last 10,000, and
    /// of those the newest within 16 MiB (messages' text and constraints).
    pub fn requests(&self) -> Vec<CompletionRequest> {
        self.lock().requests.kept.iter().map(|(r, _)| r.clone()).collect()
    }

    /// How many calls this adapter has answered or refused.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// Ordered replies not yet served.
    pub fn remaining_replies(&self) -> usize {
        match &*self.mode {
            Mode::Script { replies, .. } => replies.len().saturating_sub(self.lock().next_reply),
            _ => 0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic elsewhere while holding the lock leaves consistent data (plain counters).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Chooses the reply for a request (and records the request).
    fn choose(&self, request: &CompletionRequest) -> Result<FakeReplySpec, AdapterError> {
        let mut st = self.lock();
        st.calls += 1;
        st.requests.push(request);
        let last_user = last_user(request);
        match &*self.mode {
            Mode::Echo => Ok(FakeReplySpec { text: last_user, ..FakeReplySpec::default() }),
            Mode::Fixed(t) => Ok(FakeReplySpec { text: t.clone(), ..FakeReplySpec::default() }),
            Mode::Script { replies, rules, when_exhausted } => {
                for (i, (re, rule)) in rules.iter().enumerate() {
                    if rule.times.is_some_and(|t| st.rule_uses.get(i).is_some_and(|u| *u >= t)) {
                        continue;
                    }
                    // The last user message is searched where it lies (each
                    // rule copied a sub-call's whole prompt).
                    let haystack: std::borrow::Cow<'_, str> = match rule.target {
                        MatchTarget::LastUser => std::borrow::Cow::Borrowed(&last_user),
                        MatchTarget::System => joined(request, Some(Role::System)).into(),
                        MatchTarget::All => joined(request, None).into(),
                    };
                    if let Some(caps) = re.captures(&haystack) {
                        if let Some(u) = st.rule_uses.get_mut(i) {
                            *u += 1;
                        }
                        let mut spec = rule.reply.spec();
                        let mut expanded = String::new();
                        caps.expand(&spec.text, &mut expanded);
                        spec.text = expanded;
                        return Ok(spec);
                    }
                }
                if let Some(r) = replies.get(st.next_reply) {
                    st.next_reply += 1;
                    return Ok(r.spec());
                }
                match when_exhausted {
                    WhenExhausted::Error => {
                        Err(AdapterError::ScriptExhausted { served: st.next_reply })
                    }
                    WhenExhausted::Echo => {
                        Ok(FakeReplySpec { text: last_user, ..FakeReplySpec::default() })
                    }
                    WhenExhausted::Fixed(t) => {
                        Ok(FakeReplySpec { text: t.clone(), ..FakeReplySpec::default() })
                    }
                    WhenExhausted::RepeatLast => match replies.last() {
                        Some(r) => Ok(r.spec()),
                        None => Err(AdapterError::ScriptExhausted { served: 0 }),
                    },
                }
            }
        }
    }

    async fn run(&self, request: &CompletionRequest) -> Result<Completion, AdapterError> {
        let started = Instant::now();
        let spec = self.choose(request)?;
        if let Some(ms) = spec.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if let Some(e) = spec.error {
            return Err(AdapterError::synthetic(e.kind, e.message));
        }
        let mut text = spec.text;
        let mut finish = spec
            .finish_reason
            .as_deref()
            .map(crate::openai::openai_finish)
            .unwrap_or(FinishReason::Stop);
        // Honour max_tokens as a real model would: cut and report `length`.
        if let Some(max) = request.params.max_tokens {
            let max_chars = usize::try_from(max).unwrap_or(usize::MAX).saturating_mul(4);
            if text.chars().count() > max_chars {
                text = text.chars().take(max_chars).collect();
                finish = FinishReason::Length;
            }
        }
        let u = spec.usage.unwrap_or_default();
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let usage = Usage {
            prompt_tokens: u
                .prompt_tokens
                .unwrap_or_else(|| estimate_tokens_for_chars(prompt_chars as u64)),
            completion_tokens: u.completion_tokens.unwrap_or_else(|| estimate_tokens(&text)),
            cached_tokens: u.cached_tokens.unwrap_or(0),
        };
        Ok(Completion {
            text,
            usage,
            finish_reason: Some(finish),
            model: self.model.clone(),
            latency: started.elapsed(),
        })
    }
}

fn last_user(r: &CompletionRequest) -> String {
    r.messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(|m| m.content.clone())
        .unwrap_or_default()
}

fn joined(r: &CompletionRequest, role: Option<Role>) -> String {
    r.messages
        .iter()
        .filter(|m| role.is_none_or(|ro| m.role == ro))
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits text into word-sized deltas (each word keeps its trailing whitespace).
fn word_chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in text.chars() {
        if !c.is_whitespace() && in_space {
            out.push(std::mem::take(&mut cur));
        }
        in_space = c.is_whitespace();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl ModelAdapter for FakeAdapter {
    fn model_id(&self) -> ModelId {
        ModelId::new("fake", self.model.as_str())
    }

    fn context_window(&self) -> Option<u64> {
        self.context_window
    }

    fn supports_streaming(&self) -> bool {
        true
    }

    fn decodes_grammar(&self) -> bool {
        self.grammar
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move { CallReport::single(self.run(request).await) })
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let result = self.run(request).await.map(|completion| {
                let mut events: Vec<Result<StreamEvent, AdapterError>> =
                    word_chunks(&completion.text)
                        .into_iter()
                        .map(|text| Ok(StreamEvent::Delta { text }))
                        .collect();
                events.push(Ok(StreamEvent::Done { completion }));
                futures::stream::iter(events).boxed()
            });
            StreamReport { result, retries: Vec::new(), attempts: 1 }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_chunks_rejoin() {
        for t in ["", "one", "two words", "  lead and trail  ", "a\nb\tc"] {
            assert_eq!(word_chunks(t).concat(), t);
        }
        assert_eq!(word_chunks("a bc  d"), vec!["a ", "bc  ", "d"]);
    }

    fn answered(adapter: &FakeAdapter, request: &CompletionRequest) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let report = rt.block_on(adapter.call(request));
        assert!(report.result.is_ok(), "{:?}", report.result.err());
    }

    /// Without recording, neither the adapter nor its copies from the start
    /// keep a request; both still answer and count the calls.
    #[test]
    fn an_adapter_without_recording_keeps_no_request() {
        let adapter = FakeAdapter::fixed("ok").without_recording();
        answered(&adapter, &CompletionRequest::user("a prompt"));
        let copy = adapter.from_start();
        answered(&copy, &CompletionRequest::user("another"));
        assert_eq!((adapter.calls(), copy.calls()), (1, 1));
        assert!(adapter.requests().is_empty() && copy.requests().is_empty());
        let recording = FakeAdapter::fixed("ok");
        answered(&recording, &CompletionRequest::user("a prompt"));
        assert_eq!(recording.requests().len(), 1);
    }

    /// A run of large requests keeps at most the byte bound: the newest
    /// ones, oldest dropped first, each counted by its messages' text.
    #[test]
    fn the_kept_requests_stay_within_the_byte_bound() {
        let adapter = FakeAdapter::fixed("ok");
        let one_mib = 1 << 20;
        let big = |i: usize| {
            let mut request = CompletionRequest::user(format!("{i:04}{}", "x".repeat(one_mib)));
            request.messages.insert(0, rlm_types::ChatMessage::system("be brief"));
            request
        };
        let sent = 40;
        for i in 0..sent {
            answered(&adapter, &big(i));
        }
        let kept = adapter.requests();
        let bytes: usize = kept.iter().map(request_bytes).sum();
        assert!(bytes <= MAX_RECORDED_BYTES, "{bytes} bytes kept");
        // Each request is 1 MiB + 12 bytes: 15 fit in 16 MiB, the last ones sent.
        assert_eq!(kept.len(), 15);
        let first = sent - kept.len();
        for (n, r) in kept.iter().enumerate() {
            assert!(r.messages[1].content.starts_with(&format!("{:04}", first + n)));
        }
        assert_eq!(adapter.calls(), sent as u64);

        // A request larger than the whole bound is answered, not kept.
        answered(&adapter, &CompletionRequest::user("y".repeat(MAX_RECORDED_BYTES + 1)));
        assert_eq!(adapter.requests().len(), 15);
        // Small requests are kept by the count bound, as before.
        let small = FakeAdapter::fixed("ok");
        for i in 0..(MAX_RECORDED_REQUESTS + 5) {
            small.lock().requests.push(&CompletionRequest::user(i.to_string()));
        }
        let kept = small.requests();
        assert_eq!(kept.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(kept[0].messages[0].content, "5");
    }
}
