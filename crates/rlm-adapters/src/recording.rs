//! Record and replay model exchanges (issue #57): [`Recorder`] wraps any
//! adapter and writes each exchange it makes (the normalised request, its
//! fingerprint, the response or the error) as one JSON line of a recording;
//! [`Replayer`] answers from a recording ([`ReplayBook`]) without any
//! network, and a request the recording does not hold is a
//! [`AdapterError::ReplayMissing`] whose message is a diff against the
//! nearest recorded request, naming the changed message.
//!
//! Matching: a request matches a recorded exchange when its fingerprint (a
//! BLAKE3 hash of the model id and the whole request: every message, role
//! and content, and every generation parameter, the constraint included)
//! is equal; nothing is ignored. Whether the call streamed is not part of
//! it. Identical requests are answered in the order they were recorded;
//! once that order is used up the last one repeats (a replay of the same
//! run asks in the same order; an extra identical call, which the subcall
//! cache would have answered anyway, gets the same answer). Each engine
//! replays from the recording's start ([`ReplayBook::session`]).
//!
//! Nothing secret is written: requests and responses are the runtime's own
//! types (no HTTP headers, no URLs, no keys), and error messages were
//! scrubbed by the adapters before they reach the recorder.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use rlm_types::{ChatMessage, Completion, CompletionRequest, ModelId, RunClock};
use serde::{Deserialize, Serialize};

use crate::adapter::{CallReport, ModelAdapter, StreamEvent, StreamReport};
use crate::error::{AdapterError, AdapterErrorKind};
use crate::retry::RetryGate;

/// Lines of diff a missing-recording error shows at most.
const MAX_DIFF_LINES: usize = 80;
/// Characters of one message a missing-recording diff shows (its start and
/// its end): a 50 MB message is not copied into the error, its trace and
/// its record.
const MAX_SHOWN_MESSAGE_CHARS: usize = 4_000;
/// Characters of one diff line shown.
const MAX_DIFF_LINE_CHARS: usize = 400;

/// One model exchange of a recording: one line of its JSONL file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedExchange {
    /// [`fingerprint`] of `model` and `request`.
    pub fingerprint: String,
    /// The model id the request went to (`provider:model`).
    pub model: String,
    /// The request as the runtime sent it to the adapter.
    pub request: CompletionRequest,
    /// Whether it was streamed (not part of the match).
    #[serde(default)]
    pub stream: bool,
    /// The completion (for a stream: the assembled text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Completion>,
    /// A stream's deltas, in order (their concatenation is the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<String>>,
    /// The error the call ended with, instead of a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RecordedError>,
    /// When the call ended, in milliseconds on the run's clock (since the
    /// run began): a replay moves its clock here as it answers, so that the
    /// run's decisions by the clock are made again where they were made.
    /// (Recordings made before it have none: their replay keeps real time.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// The call was cut before it ended (the run's time ran out, or the run
    /// was cancelled): a replay moves its clock to `at_ms` and never answers,
    /// as the call never did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
    /// The values the run decided by since the exchange before (the time
    /// left, a call's latency, in milliseconds: `RunClock::decided`), given
    /// back in order by a replay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decided_ms: Vec<u64>,
}

/// A failed call as recorded: its kind and its (already scrubbed) message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedError {
    pub kind: AdapterErrorKind,
    pub message: String,
}

/// The stable fingerprint of a request sent to `model`: 32 hex digits of
/// the BLAKE3 hash of their JSON (field order is the types' own).
pub fn fingerprint(model: &str, request: &CompletionRequest) -> String {
    #[derive(Serialize)]
    struct Keyed<'a> {
        model: &'a str,
        request: &'a CompletionRequest,
    }
    let json = serde_json::to_vec(&Keyed { model, request }).unwrap_or_default();
    let hash = blake3::hash(&json);
    hash.to_hex()[..32].to_string()
}

impl RecordedExchange {
    fn new(model: &str, request: &CompletionRequest, stream: bool) -> RecordedExchange {
        RecordedExchange {
            fingerprint: fingerprint(model, request),
            model: model.to_string(),
            request: request.clone(),
            stream,
            response: None,
            chunks: None,
            error: None,
            at_ms: None,
            cut: false,
            decided_ms: Vec::new(),
        }
    }

    /// Stamped with the time on `clock` now, and the values it decided by since the last.
    fn at(mut self, clock: &RunClock) -> RecordedExchange {
        self.at_ms = Some(u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX));
        self.decided_ms = clock.take_decided();
        self
    }

    fn with_result(mut self, result: &Result<Completion, AdapterError>) -> RecordedExchange {
        match result {
            Ok(c) => self.response = Some(c.clone()),
            Err(e) => self.error = Some(RecordedError { kind: e.kind(), message: e.to_string() }),
        }
        self
    }

    /// What the exchange answers: its completion, or its error again.
    fn answer(&self) -> Result<Completion, AdapterError> {
        match (&self.response, &self.error) {
            (Some(c), _) => Ok(c.clone()),
            (None, Some(e)) => Err(AdapterError::synthetic(e.kind, e.message.clone())),
            (None, None) => Err(AdapterError::ReplayMissing {
                message: format!("recorded exchange {} has no response", self.fingerprint),
            }),
        }
    }
}

/// Where a recording is written: one writer shared by every adapter of a
/// run (root and subcalls), each exchange one whole line, so concurrent
/// calls never interleave. Its lines go to a file (`rlm run --record`),
/// stay in memory (a test's), or are handed one at a time to a
/// [`RecordingSink`] (a server's execution, whose recording is streamed to
/// its store as it grows, under a cap: a server never writes a path and
/// never holds a recording whole).
#[derive(Clone)]
pub struct RecordingWriter {
    origin: String,
    sink: Arc<Mutex<Sink>>,
    /// The run's clock each exchange's time is read on.
    clock: RunClock,
}

/// Where a server's recording goes, a line at a time: the sink stores it
/// (or refuses it, past its cap: the call that made it fails with the
/// sink's error, which ends the run).
pub trait RecordingSink: Send + Sync {
    /// Stores one exchange's line (its JSON and a newline).
    fn append<'a>(&'a self, line: &'a str) -> BoxFuture<'a, Result<(), AdapterError>>;
}

/// What a [`RecordingWriter`] writes to.
enum Sink {
    File(std::fs::File),
    Memory(String),
    Streamed(Arc<dyn RecordingSink>),
}

impl std::fmt::Debug for RecordingWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWriter").field("origin", &self.origin).finish()
    }
}

impl RecordingWriter {
    /// Creates (or empties) the recording at `path`.
    pub fn create(path: &Path) -> Result<RecordingWriter, AdapterError> {
        let file = std::fs::File::create(path).map_err(|e| {
            AdapterError::Config(format!("cannot write the recording {}: {e}", path.display()))
        })?;
        Ok(RecordingWriter {
            origin: path.display().to_string(),
            sink: Arc::new(Mutex::new(Sink::File(file))),
            clock: RunClock::recording(),
        })
    }

    /// A recording whose lines go to `sink` as they are made; `origin`
    /// names it in errors.
    pub fn streamed(origin: &str, sink: Arc<dyn RecordingSink>) -> RecordingWriter {
        RecordingWriter {
            origin: origin.to_string(),
            sink: Arc::new(Mutex::new(Sink::Streamed(sink))),
            clock: RunClock::recording(),
        }
    }

    /// A recording kept in memory ([`RecordingWriter::text`]), starting
    /// with the lines of `earlier` (an earlier part of the same run's
    /// recording, or nothing); `origin` names it in errors.
    pub fn in_memory(origin: &str, earlier: &str) -> RecordingWriter {
        let mut text = earlier.to_string();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        RecordingWriter {
            origin: origin.to_string(),
            sink: Arc::new(Mutex::new(Sink::Memory(text))),
            clock: RunClock::recording(),
        }
    }

    /// Where the recording goes (a path, or what names an in-memory one).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The run clock its exchanges' times are read on.
    pub fn clock(&self) -> RunClock {
        self.clock.clone()
    }

    /// Writes a cut call's exchange from a drop (no await possible): at once
    /// to a file or memory, from a task to a server's sink.
    fn write_cut(&self, exchange: RecordedExchange) {
        let mut exchange = exchange.at(&self.clock);
        exchange.cut = true;
        let streamed = {
            let sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
            matches!(&*sink, Sink::Streamed(_))
        };
        if !streamed {
            // The run goes on without it if it cannot be written: the next
            // exchange's write fails the same way, and says so.
            let _ = futures::executor::block_on(self.write(&exchange));
        } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let writer = self.clone();
            runtime.spawn(async move {
                let _ = writer.write(&exchange).await;
            });
        }
    }

    /// The JSONL text of an in-memory recording so far (`None`: a file's or a sink's).
    pub fn text(&self) -> Option<String> {
        match &*self.sink.lock().unwrap_or_else(|p| p.into_inner()) {
            Sink::Memory(text) => Some(text.clone()),
            Sink::File(_) | Sink::Streamed(_) => None,
        }
    }

    /// Appends one exchange as one line.
    pub async fn write(&self, exchange: &RecordedExchange) -> Result<(), AdapterError> {
        let mut line = serde_json::to_string(exchange)
            .map_err(|e| AdapterError::Config(format!("cannot encode an exchange: {e}")))?;
        line.push('\n');
        let streamed = {
            let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
            match &mut *sink {
                Sink::Memory(text) => {
                    text.push_str(&line);
                    return Ok(());
                }
                Sink::File(file) => {
                    return file.write_all(line.as_bytes()).and_then(|()| file.flush()).map_err(
                        |e| {
                            AdapterError::Config(format!(
                                "cannot write the recording {}: {e}",
                                self.origin
                            ))
                        },
                    );
                }
                Sink::Streamed(sink) => Arc::clone(sink),
            }
        };
        streamed.append(&line).await
    }
}

/// An adapter that records every exchange of the adapter it wraps.
pub struct Recorder {
    inner: Arc<dyn ModelAdapter>,
    writer: RecordingWriter,
}

/// A call under way: if it is dropped before it ends (its run's time ran
/// out, or the run was cancelled), the exchange is written as cut.
struct UnderWay {
    writer: RecordingWriter,
    exchange: Option<RecordedExchange>,
}

impl UnderWay {
    fn ended(mut self) -> RecordedExchange {
        self.exchange.take().expect("an exchange under way")
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        if let Some(exchange) = self.exchange.take() {
            self.writer.write_cut(exchange);
        }
    }
}

impl Recorder {
    pub fn new(inner: Arc<dyn ModelAdapter>, writer: RecordingWriter) -> Recorder {
        Recorder { inner, writer }
    }

    fn under_way(&self, request: &CompletionRequest, stream: bool) -> UnderWay {
        let model = self.inner.model_id().to_string();
        let exchange = Some(RecordedExchange::new(&model, request, stream));
        UnderWay { writer: self.writer.clone(), exchange }
    }

    /// Writes the exchange of a finished call; a write failure fails the call
    /// (a recording silently missing exchanges would replay wrong).
    async fn settle(&self, under_way: UnderWay, mut report: CallReport) -> CallReport {
        let exchange = under_way.ended().with_result(&report.result).at(&self.writer.clock);
        if let Err(e) = self.writer.write(&exchange).await {
            report.result = Err(e);
        }
        report
    }
}

impl ModelAdapter for Recorder {
    fn model_id(&self) -> ModelId {
        self.inner.model_id()
    }
    fn context_window(&self) -> Option<u64> {
        self.inner.context_window()
    }
    fn supports_streaming(&self) -> bool {
        self.inner.supports_streaming()
    }
    fn decodes_grammar(&self) -> bool {
        self.inner.decodes_grammar()
    }
    fn run_clock(&self) -> Option<RunClock> {
        Some(self.writer.clock())
    }
    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            let under_way = self.under_way(request, false);
            self.settle(under_way, self.inner.call(request).await).await
        })
    }
    fn call_gated<'a>(
        &'a self,
        request: &'a CompletionRequest,
        gate: Option<&'a dyn RetryGate>,
    ) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            let under_way = self.under_way(request, false);
            self.settle(under_way, self.inner.call_gated(request, gate).await).await
        })
    }
    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let under_way = self.under_way(request, true);
            let mut report = self.inner.stream(request).await;
            report.result = match report.result {
                Err(e) => {
                    let exchange =
                        under_way.ended().with_result(&Err(e.clone())).at(&self.writer.clock);
                    Err(self.writer.write(&exchange).await.err().unwrap_or(e))
                }
                Ok(events) => Ok(recorded_stream(events, under_way)),
            };
            report
        })
    }
}

/// The events of `events`, the exchange written when the stream ends
/// (with its deltas as chunks) or fails, or as cut when it is dropped first.
fn recorded_stream(
    events: crate::adapter::CompletionEvents,
    under_way: UnderWay,
) -> crate::adapter::CompletionEvents {
    // The deltas so far and the exchange not yet written, carried from event to event.
    let state = (Vec::<String>::new(), under_way);
    futures::stream::unfold((events, state), |(mut events, mut state)| async move {
        let event = events.next().await?;
        let (chunks, under_way) = &mut state;
        let writer = under_way.writer.clone();
        let written = match &event {
            Ok(StreamEvent::Delta { text }) => {
                chunks.push(text.clone());
                Ok(())
            }
            Ok(StreamEvent::Done { completion }) => match under_way.exchange.take() {
                Some(mut exchange) => {
                    exchange.response = Some(completion.clone());
                    exchange.chunks = Some(std::mem::take(chunks));
                    writer.write(&exchange.at(&writer.clock)).await
                }
                None => Ok(()),
            },
            Err(e) => match under_way.exchange.take() {
                Some(exchange) => {
                    writer.write(&exchange.with_result(&Err(e.clone())).at(&writer.clock)).await
                }
                None => Ok(()),
            },
        };
        let event = match written {
            Ok(()) => event,
            Err(e) => Err(e),
        };
        Some((event, (events, state)))
    })
    .boxed()
}

/// A recording read back: its exchanges, found by fingerprint.
#[derive(Debug)]
pub struct ReplayBook {
    /// What the recording is (its path, or what names an inline one).
    origin: String,
    exchanges: Vec<RecordedExchange>,
    by_fingerprint: HashMap<String, Vec<usize>>,
}

/// The first two models the recording at `path` asked, in order: the root
/// model's first step is a run's first call, so the first is the root
/// model and the second, if any, the sub-model. Read line by line and
/// stopped there, not loaded whole (the run loads it once, to replay it).
pub fn recorded_models(path: &Path) -> Result<Vec<String>, AdapterError> {
    use std::io::BufRead as _;
    #[derive(Deserialize)]
    struct ModelOnly {
        model: String,
    }
    let unreadable = |e: std::io::Error| {
        AdapterError::Config(format!("cannot read the recording {}: {e}", path.display()))
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut models: Vec<String> = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(unreadable)?;
        if line.trim().is_empty() {
            continue;
        }
        let x: ModelOnly = serde_json::from_str(&line).map_err(|e| {
            AdapterError::Config(format!(
                "recording {} line {}: not an exchange: {e}",
                path.display(),
                i + 1
            ))
        })?;
        if !models.contains(&x.model) {
            models.push(x.model);
        }
        if models.len() == 2 {
            break;
        }
    }
    Ok(models)
}

impl ReplayBook {
    /// Reads the recording at `path`.
    pub fn load(path: &Path) -> Result<ReplayBook, AdapterError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AdapterError::Config(format!("cannot read the recording {}: {e}", path.display()))
        })?;
        ReplayBook::parse(&text, &path.display().to_string())
    }

    /// Parses a recording's text (`origin` names it in errors: its path,
    /// or what an inline one is).
    pub fn parse(text: &str, origin: &str) -> Result<ReplayBook, AdapterError> {
        let mut exchanges = Vec::new();
        let mut by_fingerprint: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let exchange: RecordedExchange = serde_json::from_str(line).map_err(|e| {
                AdapterError::Config(format!(
                    "recording {origin} line {}: not an exchange: {e}",
                    i + 1
                ))
            })?;
            // A reply no model could have sent is not replayed: every copy the
            // loop makes of a reply is bounded by what a provider may answer.
            let text = exchange.response.as_ref().map_or(0, |c| c.text.len());
            let streamed = exchange.chunks.iter().flatten().map(String::len).sum::<usize>();
            let reply = text.max(streamed);
            if reply > crate::http::MAX_REPLY_BYTES {
                return Err(AdapterError::Config(format!(
                    "recording {origin} line {}: a recorded reply of {reply} bytes, past the most a \
                     model's reply may take ({} bytes)",
                    i + 1,
                    crate::http::MAX_REPLY_BYTES
                )));
            }
            // The fingerprint is recomputed: a hand-edited request still matches.
            let key = fingerprint(&exchange.model, &exchange.request);
            by_fingerprint.entry(key).or_default().push(exchanges.len());
            exchanges.push(exchange);
        }
        Ok(ReplayBook { origin: origin.to_string(), exchanges, by_fingerprint })
    }

    /// What the recording is (its path, or what names an inline one).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn exchanges(&self) -> &[RecordedExchange] {
        &self.exchanges
    }

    /// The bytes the book holds in memory: every string's capacity, each
    /// exchange's and message's fields, and the index by fingerprint (what
    /// a server charges to its memory bound while an execution replays it).
    pub fn held_bytes(&self) -> u64 {
        const EXCHANGE: u64 = std::mem::size_of::<RecordedExchange>() as u64;
        const MESSAGE: u64 = std::mem::size_of::<ChatMessage>() as u64;
        let mut bytes = (self.exchanges.capacity() as u64) * EXCHANGE;
        for x in &self.exchanges {
            bytes += (x.fingerprint.capacity() + x.model.capacity()) as u64 * 2;
            for m in &x.request.messages {
                bytes += MESSAGE + m.content.capacity() as u64;
            }
            if let Some(c) = &x.response {
                bytes += c.text.capacity() as u64 + c.model.capacity() as u64;
            }
            for chunk in x.chunks.iter().flatten() {
                bytes += 24 + chunk.capacity() as u64;
            }
            if let Some(e) = &x.error {
                bytes += e.message.capacity() as u64;
            }
            bytes += 96;
        }
        bytes
    }

    /// The book as JSON lines again (what a queued execution's job carries).
    pub fn to_jsonl(&self) -> Result<String, AdapterError> {
        let mut text = String::new();
        for x in &self.exchanges {
            let line = serde_json::to_string(x)
                .map_err(|e| AdapterError::Config(format!("cannot encode an exchange: {e}")))?;
            text.push_str(&line);
            text.push('\n');
        }
        Ok(text)
    }

    /// A fresh replay of the book: identical requests are answered from the
    /// first recorded one on.
    pub fn session(self: &Arc<Self>) -> Arc<ReplaySession> {
        Arc::new(ReplaySession {
            book: Arc::clone(self),
            used: Mutex::new(HashMap::new()),
            clock: RunClock::replaying(
                self.exchanges.iter().flat_map(|x| x.decided_ms.iter().copied()),
            ),
        })
    }
}

/// One replay of a [`ReplayBook`] (one engine's): how many times each
/// fingerprint was answered, and the requests it could not answer.
#[derive(Debug)]
pub struct ReplaySession {
    book: Arc<ReplayBook>,
    used: Mutex<HashMap<String, usize>>,
    /// The run's clock, moved to each answered exchange's time.
    clock: RunClock,
}

impl ReplaySession {
    /// The recorded answer to `request` sent to `model`.
    pub fn answer(
        &self,
        model: &str,
        request: &CompletionRequest,
    ) -> Result<&RecordedExchange, AdapterError> {
        let key = fingerprint(model, request);
        let Some(indices) = self.book.by_fingerprint.get(&key) else {
            return Err(AdapterError::ReplayMissing { message: self.explain_miss(model, request) });
        };
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let n = used.entry(key).or_insert(0);
        let index = indices[(*n).min(indices.len() - 1)];
        *n += 1;
        let exchange = &self.book.exchanges[index];
        if let Some(at) = exchange.at_ms {
            self.clock.advance_to(Duration::from_millis(at));
        }
        Ok(exchange)
    }

    /// The run clock the replay moves to its exchanges' times.
    pub fn clock(&self) -> RunClock {
        self.clock.clone()
    }

    /// The message of a miss: the nearest recorded request and a diff.
    fn explain_miss(&self, model: &str, request: &CompletionRequest) -> String {
        let path = &self.book.origin;
        let asked = render_request(model, request);
        let nearest = self
            .book
            .exchanges
            .iter()
            .map(|x| {
                let text = render_request(&x.model, &x.request);
                let ratio = similar::TextDiff::configure()
                    .timeout(Duration::from_millis(200))
                    .diff_lines(&text, &asked)
                    .ratio();
                (ratio, x, text)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, near, near_text)) = nearest else {
            return format!("no recording in {path} for this request (the recording is empty)");
        };
        let what = changed_part(&near.model, &near.request, model, request);
        let diff = similar::TextDiff::from_lines(&near_text, &asked);
        let mut unified =
            diff.unified_diff().context_radius(2).header("recorded", "requested").to_string();
        let lines: Vec<String> = unified.lines().map(|l| clip(l, MAX_DIFF_LINE_CHARS)).collect();
        unified = lines[..lines.len().min(MAX_DIFF_LINES)].join("\n") + "\n";
        if lines.len() > MAX_DIFF_LINES {
            let more = lines.len() - MAX_DIFF_LINES;
            unified.push_str(&format!("... {more} more line(s)\n"));
        }
        format!(
            "no recording in {path} for this request: {what} (nearest recorded request: \
             exchange {}, fingerprint {}).\n{unified}",
            near_index(&self.book, near),
            near.fingerprint,
        )
    }
}

fn near_index(book: &ReplayBook, near: &RecordedExchange) -> usize {
    book.exchanges.iter().position(|x| std::ptr::eq(x, near)).unwrap_or(0) + 1
}

/// What differs first between a recorded request and an asked one, in words
/// (the model, a message by index and role, the count, or the parameters).
fn changed_part(
    rec_model: &str,
    rec: &CompletionRequest,
    model: &str,
    asked: &CompletionRequest,
) -> String {
    if rec_model != model {
        return format!("the model changed ({rec_model} → {model})");
    }
    let role = |m: &ChatMessage| format!("{:?}", m.role).to_lowercase();
    for (i, (a, b)) in rec.messages.iter().zip(&asked.messages).enumerate() {
        if a.role != b.role {
            return format!("message {i} changed role ({} → {})", role(a), role(b));
        }
        if a.content != b.content {
            return format!("message {i} ({}) changed", role(b));
        }
    }
    if rec.messages.len() != asked.messages.len() {
        return format!(
            "the request has {} message(s), the recording {}",
            asked.messages.len(),
            rec.messages.len()
        );
    }
    "the generation parameters changed".to_string()
}

/// A request as readable text, for diffs: the model, each message under a
/// header naming its index and role (a long one by its start and its end),
/// then the parameters.
fn render_request(model: &str, request: &CompletionRequest) -> String {
    let mut text = format!("model: {model}\n");
    for (i, m) in request.messages.iter().enumerate() {
        let role = format!("{:?}", m.role).to_lowercase();
        let shown = ends_of(&m.content, MAX_SHOWN_MESSAGE_CHARS);
        text.push_str(&format!("--- message {i} ({role}) ---\n{shown}\n"));
    }
    let params = serde_json::to_string(&request.params).unwrap_or_default();
    text.push_str(&format!("--- params ---\n{params}\n"));
    text
}

/// `text` cut after `max` characters, the cut said.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}… ({} characters in all)", &text[..at], text.chars().count()),
    }
}

/// `text`, or its first and last `max / 2` characters around a line naming
/// how many were left out.
fn ends_of(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let total = text.chars().count();
    if total <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let half = max / 2;
    let head_end = text.char_indices().nth(half).map_or(text.len(), |(i, _)| i);
    let tail_start = text.char_indices().nth(total - half).map_or(text.len(), |(i, _)| i);
    let left_out = total - 2 * half;
    std::borrow::Cow::Owned(format!(
        "{}\n… ({left_out} characters left out) …\n{}",
        &text[..head_end],
        &text[tail_start..]
    ))
}

/// An adapter that answers from a recording, never from the network.
pub struct Replayer {
    session: Arc<ReplaySession>,
    model: ModelId,
    context_window: Option<u64>,
    streaming: bool,
    /// Whether the adapter it stands for decodes under a grammar: the loop
    /// then makes the requests it made when recording.
    grammar: bool,
}

impl Replayer {
    /// Answers as `model` (the id recorded requests were sent to), with the
    /// window and streaming of the adapter it stands for.
    pub fn new(
        session: Arc<ReplaySession>,
        model: ModelId,
        context_window: Option<u64>,
        streaming: bool,
    ) -> Replayer {
        Replayer { session, model, context_window, streaming, grammar: false }
    }

    /// As the adapter it stands for: one that decodes under a grammar or not.
    pub fn decoding_grammar(mut self, grammar: bool) -> Replayer {
        self.grammar = grammar;
        self
    }

    /// The recorded completion (or error) and a stream's chunks; a call the
    /// recording holds as cut never answers, as it never did: the clock, moved
    /// to its time, ends the run's wait (see [`RecordedExchange::cut`]).
    async fn replay(
        &self,
        request: &CompletionRequest,
    ) -> Result<(Completion, Option<Vec<String>>), AdapterError> {
        let exchange = self.session.answer(&self.model.to_string(), request)?;
        if exchange.cut {
            return futures::future::pending().await;
        }
        Ok((exchange.answer()?, exchange.chunks.clone()))
    }
}

impl ModelAdapter for Replayer {
    fn model_id(&self) -> ModelId {
        self.model.clone()
    }
    fn context_window(&self) -> Option<u64> {
        self.context_window
    }
    fn supports_streaming(&self) -> bool {
        self.streaming
    }
    fn decodes_grammar(&self) -> bool {
        self.grammar
    }
    fn run_clock(&self) -> Option<RunClock> {
        Some(self.session.clock())
    }
    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move { CallReport::single(self.replay(request).await.map(|(c, _)| c)) })
    }
    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let result = self.replay(request).await.map(|(completion, chunks)| {
                let chunks = chunks.unwrap_or_else(|| vec![completion.text.clone()]);
                let mut events: Vec<Result<StreamEvent, AdapterError>> =
                    chunks.into_iter().map(|text| Ok(StreamEvent::Delta { text })).collect();
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
    use crate::fake::FakeAdapter;
    use rlm_types::GenerationParams;
    use std::path::PathBuf;

    fn request(system: &str, user: &str) -> CompletionRequest {
        CompletionRequest {
            messages: vec![ChatMessage::system(system), ChatMessage::user(user)],
            params: GenerationParams::default(),
            traceparent: None,
        }
    }

    fn record(dir: &Path, replies: &[&str], asks: &[CompletionRequest]) -> PathBuf {
        let path = dir.join("rec.jsonl");
        let writer = RecordingWriter::create(&path).unwrap();
        let fake: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::replies(replies.iter().copied()));
        let recorder = Recorder::new(fake, writer);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for r in asks {
            rt.block_on(recorder.call(r)).result.unwrap();
        }
        path
    }

    fn replayer(path: &Path) -> Replayer {
        let book = Arc::new(ReplayBook::load(path).unwrap());
        Replayer::new(book.session(), "fake:scripted".parse().unwrap(), None, false)
    }

    #[test]
    fn a_replay_answers_identical_requests_in_recorded_order_then_repeats_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let same = request("sys", "q");
        let path = record(dir.path(), &["one", "two"], &[same.clone(), same.clone()]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let r = replayer(&path);
        let texts: Vec<String> =
            (0..3).map(|_| rt.block_on(r.call(&same)).result.unwrap().text).collect();
        assert_eq!(texts, ["one", "two", "two"]);
        // A new session starts over.
        assert_eq!(rt.block_on(replayer(&path).call(&same)).result.unwrap().text, "one");
    }

    #[test]
    fn a_missing_request_is_a_typed_error_with_a_diff_naming_the_changed_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = record(dir.path(), &["ok"], &[request("You answer briefly.", "q")]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = rt
            .block_on(replayer(&path).call(&request("You answer tersely.", "q")))
            .result
            .unwrap_err();
        assert_eq!(err.kind(), AdapterErrorKind::ReplayMissing);
        assert!(!err.is_transient());
        let text = err.to_string();
        assert!(text.contains("message 0 (system) changed"), "{text}");
        assert!(text.contains("-You answer briefly."), "{text}");
        assert!(text.contains("+You answer tersely."), "{text}");
    }

    #[test]
    fn a_stream_is_recorded_with_its_chunks_and_replayed_chunk_by_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let writer = RecordingWriter::create(&path).unwrap();
        let fake: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::replies(["streamed text"]));
        let recorder = Recorder::new(fake, writer);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let r = request("s", "u");
        let events = rt.block_on(recorder.stream(&r)).result.unwrap();
        let (deltas, done) = rt.block_on(crate::adapter::collect_stream(events)).unwrap();
        assert_eq!(deltas.concat(), done.text);
        let line = std::fs::read_to_string(&path).unwrap();
        let x: RecordedExchange = serde_json::from_str(line.trim()).unwrap();
        assert!(x.stream);
        assert_eq!(x.chunks.as_deref(), Some(&deltas[..]));
        let events = rt.block_on(replayer(&path).stream(&r)).result.unwrap();
        let (again, done2) = rt.block_on(crate::adapter::collect_stream(events)).unwrap();
        assert_eq!((again, done2.text), (deltas, done.text));
    }

    #[test]
    fn an_error_is_recorded_and_replayed_as_the_same_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let writer = RecordingWriter::create(&path).unwrap();
        let fake: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::replies(Vec::<String>::new()));
        let recorder = Recorder::new(fake, writer);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let r = request("s", "u");
        let first = rt.block_on(recorder.call(&r)).result.unwrap_err();
        let again = rt.block_on(replayer(&path).call(&r)).result.unwrap_err();
        assert_eq!(first.kind(), again.kind());
    }

    #[test]
    fn an_in_memory_recording_goes_on_from_its_earlier_part_and_replays_like_a_file() {
        let earlier = RecordingWriter::in_memory("execution", "");
        let fake: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::replies(["one", "two"]));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let first = request("s", "first");
        rt.block_on(Recorder::new(Arc::clone(&fake), earlier.clone()).call(&first)).result.unwrap();
        let so_far = earlier.text().unwrap();
        assert_eq!(so_far.lines().count(), 1);
        // A later attempt appends to what the earlier one left.
        let later = RecordingWriter::in_memory("execution", so_far.trim_end());
        let second = request("s", "second");
        rt.block_on(Recorder::new(fake, later.clone()).call(&second)).result.unwrap();
        let text = later.text().unwrap();
        assert_eq!(text.lines().count(), 2);
        let book = Arc::new(ReplayBook::parse(&text, "the request's replay").unwrap());
        let r = Replayer::new(book.session(), "fake:scripted".parse().unwrap(), None, false);
        assert_eq!(rt.block_on(r.call(&second)).result.unwrap().text, "two");
        let miss = rt.block_on(r.call(&request("s", "third"))).result.unwrap_err().to_string();
        assert!(
            miss.starts_with("no recording in the request's replay for this request"),
            "{miss}"
        );
        let bad = ReplayBook::parse("{\"x\": 1}\n", "the request's replay").unwrap_err();
        assert!(bad.to_string().contains("recording the request's replay line 1"), "{bad}");
    }
}
