//! The crate's error type.

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built (a bad endpoint URL, ...).
    #[error("the OTLP exporter cannot be built: {0}")]
    Exporter(String),
    /// An OTLP protocol we do not speak (`OTEL_EXPORTER_OTLP_PROTOCOL`).
    #[error("OTLP protocol {0:?} is not supported: use `http/protobuf` or `grpc`")]
    Protocol(String),
    /// A W3C `traceparent` header that does not parse.
    #[error("bad traceparent {0:?}: expected `00-<32 hex>-<16 hex>-<2 hex>`")]
    TraceParent(String),
}
