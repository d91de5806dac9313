//! [`Telemetry`]: the tracer provider, its OTLP exporter and batch
//! processor, built from [`TelemetrySettings`]; it hands out one
//! [`OtelListener`] per recorder and is flushed when the process ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};

use crate::error::TelemetryError;
use crate::spans::OtelListener;
use crate::traceparent::TraceParent;

/// Spans waiting for export at most; past it new spans are dropped (the
/// batch processor's bounded queue), so a slow receiver costs no memory.
pub const MAX_QUEUED_SPANS: usize = 4096;
/// How long one export may take before it counts as failed.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest prompt or response text sent when content capture is on.
pub const MAX_CONTENT_CHARS: usize = 2000;

/// Where and what to export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP base URL (`http://host:4318`; `/v1/traces` is added)
    /// or the full traces URL. `None`: the OTEL_* variables decide.
    pub endpoint: Option<String>,
    /// Send prompt and response text (truncated); off by default.
    pub capture_content: bool,
}

impl TelemetrySettings {
    /// Whether export is on: an endpoint set here or in the environment
    /// (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    pub fn enabled(&self) -> bool {
        self.endpoint.as_deref().is_some_and(|e| !e.is_empty())
            || ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
                .iter()
                .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()))
    }

    /// The traces URL of a configured endpoint (`/v1/traces` added to a base URL).
    fn traces_url(&self) -> Option<String> {
        let endpoint = self.endpoint.as_deref().filter(|e| !e.is_empty())?;
        let base = endpoint.trim_end_matches('/');
        Some(if base.ends_with("/v1/traces") {
            base.to_string()
        } else {
            format!("{base}/v1/traces")
        })
    }
}

/// Counts the spans lost to failed exports, and warns once.
#[derive(Debug)]
struct CountingExporter<E> {
    inner: E,
    endpoint: String,
    dropped: Arc<AtomicU64>,
    warned: Arc<AtomicBool>,
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.inner.export(batch).await;
        if let Err(e) = &result {
            self.dropped.fetch_add(spans, Ordering::Relaxed);
            if !self.warned.swap(true, Ordering::Relaxed) {
                let message = format!(
                    "OpenTelemetry export to {} failed ({e}); its spans are dropped and counted, runs go on",
                    self.endpoint
                );
                // A process without a log subscriber (`rlm run`'s text logs)
                // still says it, once, on stderr.
                if tracing::dispatcher::has_been_set() {
                    tracing::warn!("{message}");
                } else {
                    eprintln!("warning: {message}");
                }
            }
        }
        result
    }
    fn shutdown_with_timeout(&mut self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&mut self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The export pipeline of one process. Cheap to clone; every clone exports
/// through the same batch processor.
#[derive(Clone, Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    capture_content: bool,
    dropped: Arc<AtomicU64>,
}

impl Telemetry {
    /// The pipeline `settings` ask for; `None` when export is off.
    /// `OTEL_SERVICE_NAME` names the service (default `rlm`),
    /// `OTEL_TRACES_SAMPLER` picks the sampler, `OTEL_EXPORTER_OTLP_HEADERS`
    /// adds headers (an API key).
    pub fn from_settings(
        settings: &TelemetrySettings,
    ) -> Result<Option<Telemetry>, TelemetryError> {
        if !settings.enabled() {
            return Ok(None);
        }
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(export_timeout());
        let url = settings.traces_url();
        if let Some(url) = &url {
            builder = builder.with_endpoint(url.clone());
        }
        let exporter = builder.build().map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let endpoint = url.unwrap_or_else(|| "(from OTEL_EXPORTER_OTLP_ENDPOINT)".into());
        Ok(Some(Self::with_exporter(exporter, endpoint, settings.capture_content)))
    }

    /// A pipeline exporting through `exporter` (tests pass the SDK's
    /// in-memory one).
    pub fn with_exporter<E: SpanExporter + 'static>(
        exporter: E,
        endpoint: String,
        capture_content: bool,
    ) -> Telemetry {
        let dropped = Arc::new(AtomicU64::new(0));
        let counting = CountingExporter {
            inner: exporter,
            endpoint,
            dropped: Arc::clone(&dropped),
            warned: Arc::new(AtomicBool::new(false)),
        };
        let batch = BatchConfigBuilder::default().with_max_queue_size(MAX_QUEUED_SPANS).build();
        let processor = BatchSpanProcessor::builder(counting).with_batch_config(batch).build();
        let service = std::env::var("OTEL_SERVICE_NAME")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "rlm".into());
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(Resource::builder().with_service_name(service).build())
            .build();
        Telemetry { provider, capture_content, dropped }
    }

    /// A listener for one recorder: each root run it sees becomes a trace
    /// (under `parent`, a remote span, when given).
    pub fn listener(&self, parent: Option<TraceParent>) -> Arc<OtelListener> {
        let tracer = self.provider.tracer("rlm");
        Arc::new(OtelListener::new(tracer, parent, self.capture_content))
    }

    /// Spans lost to failed exports so far.
    pub fn dropped_spans(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends what is queued now (a short-lived process before it exits).
    pub fn flush(&self) {
        let _ = self.provider.force_flush();
    }

    /// Flushes and stops the pipeline; later spans are dropped.
    pub fn shutdown(&self) {
        let _ = self.provider.shutdown();
    }
}

/// `OTEL_EXPORTER_OTLP_TIMEOUT` is read by the exporter only when no timeout
/// is given, so give ours only when it is not set.
fn export_timeout() -> Duration {
    std::env::var("OTEL_EXPORTER_OTLP_TIMEOUT")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(EXPORT_TIMEOUT)
}
