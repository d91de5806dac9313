//! JSON lines: one event per line, the streaming form of a trace (files now,
//! server-sent events later: each line is one SSE `data:` payload).

use std::io::{BufRead, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::TraceError;
use crate::event::{SCHEMA_VERSION, TraceEvent};
use crate::recorder::TraceListener;

/// One event as a single JSON line (no trailing newline).
pub fn to_json_line(event: &TraceEvent) -> String {
    // Plain data with string keys: serialisation cannot fail.
    serde_json::to_string(event).unwrap_or_default()
}

/// Parse one line, checking the schema version.
pub fn from_json_line(line: &str, line_number: usize) -> Result<TraceEvent, TraceError> {
    let event: TraceEvent = serde_json::from_str(line)
        .map_err(|e| TraceError::BadLine { line: line_number, message: e.to_string() })?;
    if event.schema_version > SCHEMA_VERSION {
        return Err(TraceError::UnsupportedSchema {
            seq: event.seq,
            found: event.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(event)
}

/// One event as a server-sent-events frame: `id` is the `seq` (so a client
/// reconnecting with `Last-Event-ID` can resume), `event` is `trace`, and
/// `data` is the JSON line (one line: JSON escapes every newline in strings).
pub fn to_sse_frame(event: &TraceEvent) -> String {
    format!("id: {}\nevent: trace\ndata: {}\n\n", event.seq, to_json_line(event))
}

/// Write events as JSON lines.
pub fn write_jsonl<'a>(
    events: impl IntoIterator<Item = &'a TraceEvent>,
    mut out: impl Write,
) -> std::io::Result<()> {
    for event in events {
        out.write_all(to_json_line(event).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Read JSON lines (blank lines are skipped). Errors name the 1-based line.
pub fn read_jsonl(input: impl BufRead) -> Result<Vec<TraceEvent>, TraceError> {
    let mut events = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        events.push(from_json_line(&line, i + 1)?);
    }
    Ok(events)
}

/// A listener that appends every event to a writer as a JSON line (a live
/// trace file). Write errors are counted, never raised: a full disk must not
/// stop the run.
pub struct JsonLinesSink<W: Write + Send> {
    out: Mutex<W>,
    write_errors: AtomicU64,
}

impl<W: Write + Send> JsonLinesSink<W> {
    pub fn new(out: W) -> Self {
        JsonLinesSink { out: Mutex::new(out), write_errors: AtomicU64::new(0) }
    }

    /// Events that could not be written.
    pub fn write_errors(&self) -> u64 {
        self.write_errors.load(Ordering::Relaxed)
    }

    /// Flush the writer.
    pub fn flush(&self) -> std::io::Result<()> {
        self.out.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl<W: Write + Send> TraceListener for JsonLinesSink<W> {
    fn on_event(&self, event: &TraceEvent) {
        let mut line = to_json_line(event);
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if out.write_all(line.as_bytes()).is_err() {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}
