//! W3C Trace Context's `traceparent` header
//! (`00-<trace id>-<parent span id>-<flags>`), parsed and written.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

use crate::error::TelemetryError;

/// The trace a run belongs to: a remote parent (the span of another
/// service a run's trace hangs under), or only a trace id chosen ahead
/// (`span_id` invalid: the run is the trace's root), so that a server can
/// name the trace in its response before the run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub sampled: bool,
}

impl TraceParent {
    /// A new trace (random id) whose root is the run.
    pub fn fresh() -> TraceParent {
        let trace_id = RandomIdGenerator::default().new_trace_id();
        TraceParent { trace_id, span_id: SpanId::INVALID, sampled: true }
    }

    /// A request's `traceparent` header, or a fresh trace when it has none
    /// or one that does not parse (W3C: an invalid header is ignored).
    pub fn of_request(header: Option<&str>) -> TraceParent {
        header.and_then(|h| TraceParent::parse(h).ok()).unwrap_or_else(TraceParent::fresh)
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id_hex(&self) -> String {
        self.trace_id.to_string()
    }

    /// Parses a `traceparent` header value (version 00; all-zero ids refused).
    pub fn parse(header: &str) -> Result<TraceParent, TelemetryError> {
        Self::parse_allowing_root(header, false)
    }

    /// The form a trace travels in between our own processes (a cluster's
    /// job message): [`TraceParent::header`], whose span id is all zeros for
    /// a fresh trace (which a `traceparent` header may not be).
    pub fn encode(&self) -> String {
        self.header()
    }

    /// Reads [`TraceParent::encode`]'s form.
    pub fn decode(text: &str) -> Result<TraceParent, TelemetryError> {
        Self::parse_allowing_root(text, true)
    }

    fn parse_allowing_root(header: &str, allow_root: bool) -> Result<TraceParent, TelemetryError> {
        let bad = || TelemetryError::TraceParent(header.chars().take(80).collect());
        let parts: Vec<&str> = header.trim().split('-').collect();
        let [version, trace, span, flags] = parts.as_slice() else {
            return Err(bad());
        };
        let hex = |s: &str, len: usize| {
            s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if *version != "00" || !hex(trace, 32) || !hex(span, 16) || !hex(flags, 2) {
            return Err(bad());
        }
        let trace_id = TraceId::from_hex(trace).map_err(|_| bad())?;
        let span_id = SpanId::from_hex(span).map_err(|_| bad())?;
        let flags = u8::from_str_radix(flags, 16).map_err(|_| bad())?;
        if trace_id == TraceId::INVALID || (span_id == SpanId::INVALID && !allow_root) {
            return Err(bad());
        }
        Ok(TraceParent { trace_id, span_id, sampled: flags & 1 == 1 })
    }

    /// The header value.
    pub fn header(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id, self.span_id, u8::from(self.sampled))
    }

    /// The remote parent span, if there is one (a fresh trace has none).
    pub(crate) fn span_context(&self) -> Option<SpanContext> {
        if self.span_id == SpanId::INVALID {
            return None;
        }
        let flags = if self.sampled { TraceFlags::SAMPLED } else { TraceFlags::default() };
        Some(SpanContext::new(self.trace_id, self.span_id, flags, true, TraceState::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_round_trips_and_bad_ones_are_refused() {
        let h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let p = TraceParent::parse(h).unwrap();
        assert!(p.sampled);
        assert_eq!(p.header(), h);
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert!(TraceParent::parse(bad).is_err(), "{bad:?}");
        }
        // Between our processes a fresh trace (no parent span) travels too.
        let fresh = TraceParent::fresh();
        assert!(TraceParent::parse(&fresh.encode()).is_err());
        assert_eq!(TraceParent::decode(&fresh.encode()).unwrap(), fresh);
        assert_eq!(TraceParent::decode(h).unwrap(), p);
    }
}
