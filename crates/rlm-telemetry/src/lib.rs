//! OpenTelemetry export of the execution trace: each RLM run becomes one
//! OpenTelemetry trace, sent over OTLP (HTTP/protobuf) to a receiver such as
//! Arize Phoenix, Jaeger or an OpenTelemetry Collector. The transport is
//! HTTP/protobuf or gRPC, as `OTEL_EXPORTER_OTLP_PROTOCOL` says; the SDK
//! itself reads `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER` and the
//! timeouts, and we read `OTEL_SERVICE_NAME`. The same endpoint gets OTLP
//! metrics mirroring `rlm serve`'s Prometheus series ([`metrics`]).
//!
//! The spans are made from our own trace events ([`rlm_trace::TraceListener`]),
//! with the events' own timestamps, so the OpenTelemetry tree is our trace:
//! run → step → model call, program → subcall → nested run. Attributes follow
//! the OpenTelemetry GenAI conventions (`gen_ai.*`) and OpenInference's span
//! kinds (`openinference.span.kind`) so Phoenix renders them natively
//! ([`spans`] says which attribute goes where).
//!
//! Guarantees:
//! * Off unless an endpoint is configured (`telemetry.otlp_endpoint`, or
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`):
//!   [`Telemetry::from_settings`] returns `None` and nothing is built.
//! * A receiver that is down never slows or fails a run: spans go to the SDK's
//!   batch processor (a bounded queue drained by its own thread); spans lost
//!   to a failed export are counted ([`Telemetry::dropped_spans`]) and one
//!   warning is logged, once.
//! * Prompt and response text leave the process only with
//!   `telemetry.capture_content` on, truncated; code, numbers, models and
//!   outcomes always do (after the recorder's redaction, as in the trace).

mod error;
mod export;
pub mod metrics;
pub mod spans;
mod traceparent;
mod transport;

pub use error::TelemetryError;
pub use export::{Telemetry, TelemetrySettings};
pub use spans::OtelListener;
pub use traceparent::TraceParent;
pub use transport::Protocol;
