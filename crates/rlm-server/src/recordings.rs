//! Per-execution record and replay (issue #57): a request's `"record":
//! true` keeps the execution's model exchanges (root and subcalls,
//! streaming included) in a recording of its own, stored with it and served
//! at `GET /api/executions/{id}/recording`; a request's `"replay"` gives a
//! recording inline (JSONL text, or an array of exchange objects), and the
//! execution's models answer from it alone (a request it does not hold
//! fails the execution with the diff naming the changed message).
//!
//! A server never reads or writes a path a client names (`record` and
//! `replay` of the configuration are files: not applicable to a server),
//! and one recording belongs to one execution: nothing is shared between
//! executions. An inline replay is bounded by `max_context_bytes` (413
//! past it); a recording is streamed to the store as it grows, within
//! `max_recording_bytes` and its key's quota (`executions/recording.rs`).

use std::sync::Arc;

use rlm_core::adapters::{RecordedExchange, RecordingWriter, ReplayBook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ServerError;

/// What names a request's replay in its errors (a miss's diff, a bad line).
pub const REPLAY_ORIGIN: &str = "the request's replay";
/// What names an execution's recording in its errors.
pub(crate) const RECORDING_ORIGIN: &str = "the execution's recording";

/// What an execution does with its model exchanges.
#[derive(Debug, Clone, Default)]
pub enum ExchangeMode {
    /// Its models answer (the default).
    #[default]
    Live,
    /// Its exchanges are recorded into its own recording.
    Record,
    /// Its models answer from this recording only, parsed once when the
    /// request was read and shared by every engine of the execution (the
    /// text is not kept beside it).
    Replay(Arc<ReplayBook>),
}

impl PartialEq for ExchangeMode {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ExchangeMode::Live, ExchangeMode::Live)
            | (ExchangeMode::Record, ExchangeMode::Record) => true,
            (ExchangeMode::Replay(a), ExchangeMode::Replay(b)) => {
                Arc::ptr_eq(a, b) || a.exchanges() == b.exchanges()
            }
            _ => false,
        }
    }
}

/// A request's `replay`: a recording as `GET /api/executions/{id}/recording`
/// serves it (JSONL text: one exchange per line), or the same exchanges as
/// an array of objects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum InlineReplay {
    /// JSON lines, one exchange each (what `rlm run --record` writes).
    Jsonl(String),
    /// The exchanges as objects (each one line of the JSONL form).
    Exchanges(Vec<serde_json::Value>),
}

impl ExchangeMode {
    /// The mode a request's `record` and `replay` ask for: both at once, a
    /// replay that does not parse (the line named) or one past `max_bytes`
    /// is refused.
    pub fn of_request(
        record: Option<bool>,
        replay: Option<InlineReplay>,
        max_bytes: u64,
    ) -> Result<ExchangeMode, ServerError> {
        let replay = match (record.unwrap_or(false), replay) {
            (true, Some(_)) => {
                return Err(ServerError::BadRequest(
                    "give `record` or `replay`, not both: a replay makes no model call to record"
                        .into(),
                ));
            }
            (true, None) => return Ok(ExchangeMode::Record),
            (false, None) => return Ok(ExchangeMode::Live),
            (false, Some(replay)) => replay,
        };
        let text = match replay {
            InlineReplay::Jsonl(text) => text,
            InlineReplay::Exchanges(items) => jsonl_of(items)?,
        };
        if text.len() as u64 > max_bytes {
            return Err(ServerError::TooLarge {
                what: "the replay",
                found: text.len() as u64,
                limit: max_bytes,
            });
        }
        let book = ReplayBook::parse(&text, REPLAY_ORIGIN)
            .map_err(|e| ServerError::BadRequest(e.to_string()))?;
        Ok(ExchangeMode::Replay(Arc::new(book)))
    }

    /// The mode as a queued execution's payload carries it to a worker:
    /// `record: true`, or `replay` (the JSONL text); nothing when live.
    pub fn payload_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut fields = serde_json::Map::new();
        match self {
            ExchangeMode::Live => {}
            ExchangeMode::Record => {
                fields.insert("record".into(), true.into());
            }
            ExchangeMode::Replay(_) => {
                fields.insert("replay".into(), self.replay_text().unwrap_or_default().into());
            }
        }
        fields
    }

    /// The mode a queued execution's payload carries.
    pub fn of_payload(payload: &serde_json::Value) -> Result<ExchangeMode, ServerError> {
        let record = payload.get("record").and_then(serde_json::Value::as_bool);
        let replay = payload.get("replay").and_then(|r| r.as_str());
        ExchangeMode::of_stored(record.unwrap_or(false), replay)
    }

    /// The mode a stored job (or a payload) holds, its replay checked again:
    /// what was stored is not trusted more than a request.
    pub fn of_stored(record: bool, replay: Option<&str>) -> Result<ExchangeMode, ServerError> {
        let replay = replay.map(|text| InlineReplay::Jsonl(text.to_string()));
        ExchangeMode::of_request(Some(record), replay, u64::MAX)
    }

    /// The replay's JSON lines (`None`: it does not replay), written out
    /// again for a queued job's record or message.
    pub fn replay_text(&self) -> Option<String> {
        match self {
            ExchangeMode::Replay(book) => book.to_jsonl().ok(),
            ExchangeMode::Live | ExchangeMode::Record => None,
        }
    }

    /// The bytes the replay holds in memory (0: it does not replay): what
    /// its execution reserves beside its sandbox budget.
    pub fn replay_bytes(&self) -> u64 {
        match self {
            ExchangeMode::Replay(book) => book.held_bytes(),
            ExchangeMode::Live | ExchangeMode::Record => 0,
        }
    }

    /// What the execution's models go through when it does not record:
    /// nothing, or the replay read (a recording's writer is the store's:
    /// `Executions::exchange_tape`).
    pub(crate) fn tape(&self) -> Result<ExchangeTape, ServerError> {
        Ok(match self {
            ExchangeMode::Live | ExchangeMode::Record => ExchangeTape::default(),
            ExchangeMode::Replay(book) => {
                ExchangeTape { record: None, replay: Some(Arc::clone(book)) }
            }
        })
    }
}

/// One execution's recording writer or replay (or neither).
#[derive(Debug, Clone, Default)]
pub(crate) struct ExchangeTape {
    pub(crate) record: Option<RecordingWriter>,
    pub(crate) replay: Option<Arc<ReplayBook>>,
}

/// The JSONL text of exchanges given as objects; an item that is not an
/// exchange is named by its index.
fn jsonl_of(items: Vec<serde_json::Value>) -> Result<String, ServerError> {
    let mut text = String::new();
    for (i, item) in items.into_iter().enumerate() {
        let exchange: RecordedExchange = serde_json::from_value(item).map_err(|e| {
            ServerError::BadRequest(format!("{REPLAY_ORIGIN} item {i}: not an exchange: {e}"))
        })?;
        let line = serde_json::to_string(&exchange)
            .map_err(|e| ServerError::Internal(format!("cannot encode an exchange: {e}")))?;
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"fingerprint":"x","model":"fake:scripted","request":{"messages":[{"role":"user","content":"q"}],"params":{}},"response":{"text":"a","usage":{"prompt_tokens":1,"completion_tokens":1},"model":"m"}}"#;

    #[test]
    fn both_at_once_a_bad_line_and_a_big_replay_are_refused() {
        let both =
            ExchangeMode::of_request(Some(true), Some(InlineReplay::Jsonl(String::new())), 9);
        assert!(both.unwrap_err().to_string().contains("not both"));
        let bad = format!("{LINE}\nnot json\n");
        let err = ExchangeMode::of_request(None, Some(InlineReplay::Jsonl(bad)), 1 << 20);
        assert!(err.unwrap_err().to_string().contains("line 2"));
        let big = ExchangeMode::of_request(None, Some(InlineReplay::Jsonl(LINE.into())), 10);
        assert!(matches!(big, Err(ServerError::TooLarge { .. })));
    }

    #[test]
    fn a_replay_as_objects_is_the_same_as_its_lines_and_travels_in_a_payload() {
        let item: serde_json::Value = serde_json::from_str(LINE).unwrap();
        let objects =
            ExchangeMode::of_request(None, Some(InlineReplay::Exchanges(vec![item])), 1 << 20)
                .unwrap();
        let ExchangeMode::Replay(book) = &objects else { panic!("{objects:?}") };
        assert_eq!(book.exchanges().len(), 1);
        let payload = serde_json::Value::Object(objects.payload_fields());
        assert_eq!(ExchangeMode::of_payload(&payload).unwrap(), objects);
        let not_one = ExchangeMode::of_request(
            None,
            Some(InlineReplay::Exchanges(vec![serde_json::json!({"x": 1})])),
            1 << 20,
        );
        assert!(not_one.unwrap_err().to_string().contains("item 0"));
        let record = serde_json::Value::Object(ExchangeMode::Record.payload_fields());
        assert_eq!(ExchangeMode::of_payload(&record).unwrap(), ExchangeMode::Record);
    }
}
