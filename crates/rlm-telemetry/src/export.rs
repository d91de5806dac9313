//! [`Telemetry`]: the tracer provider, its OTLP exporter and batch
//! processor, built from [`TelemetrySettings`]; it hands out one
//! [`OtelListener`] per recorder and is flushed when the process ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};

use crate::error::TelemetryError;
use crate::metrics::RunMetrics;
use crate::spans::OtelListener;
use crate::traceparent::TraceParent;
use crate::transport::{OnRuntime, Protocol, Signal};

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
    /// The OTLP base URL (HTTP: `http://host:4318`, `/v1/traces` is added,
    /// or the full traces URL; gRPC: `http://host:4317`). `None`: the
    /// OTEL_* variables decide. The protocol is the standard variables'
    /// (`OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` or `grpc`).
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

    /// The URL of a configured endpoint for `signal`: over HTTP, the
    /// signal's path (`/v1/traces`) added to a base URL; over gRPC, the
    /// endpoint as given (gRPC has no per-signal path).
    pub(crate) fn url(&self, protocol: Protocol, signal: Signal) -> Option<String> {
        let endpoint = self.endpoint.as_deref().filter(|e| !e.is_empty())?;
        let base = endpoint.trim_end_matches('/');
        let path = signal.http_path();
        Some(match protocol {
            Protocol::Grpc => base.to_string(),
            Protocol::HttpProtobuf if base.ends_with(path) => base.to_string(),
            Protocol::HttpProtobuf => {
                // A traces URL given for the metrics too: same base.
                let base = base.strip_suffix(Signal::Traces.http_path()).unwrap_or(base);
                format!("{base}{path}")
            }
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
                    "OpenTelemetry export to {} failed ({}); its spans are dropped and counted, runs go on",
                    self.endpoint,
                    readable(&e.to_string())
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

/// An exporter's error as words: the OTLP exporters pass reqwest's debug
/// form through (`reqwest::Error { kind: Request, url: .., source: ..
/// ConnectError("tcp connect error", .., Os { .., message: "Connection
/// refused" }) }`), which names the cause deep inside; the endpoint is said
/// beside it by the caller.
pub(crate) fn readable(error: &str) -> String {
    let Some(at) = error.find("reqwest::Error {") else { return error.to_string() };
    let quoted_after = |key: &str| {
        let i = error.rfind(key)? + key.len();
        error[i..].split('"').next().map(str::to_string).filter(|s| !s.is_empty())
    };
    let cause = quoted_after("message: \"");
    let what = quoted_after("Error(\"");
    let kind = error
        .find("kind: ")
        .and_then(|i| error[i + "kind: ".len()..].split([',', ' ', '}']).next())
        .map(str::to_string);
    let before = error[..at].trim_end_matches([' ', ':']).trim();
    let said = match (what, cause) {
        (Some(w), Some(c)) => format!("{w}: {c}"),
        (None, Some(c)) => c,
        (Some(w), None) => w,
        (None, None) => {
            format!("the request failed ({})", kind.unwrap_or_else(|| "unknown".into()))
        }
    };
    if before.is_empty() { said } else { format!("{before}: {said}") }
}

/// A metrics exporter that says a failure once, in a sentence naming the
/// endpoint (the SDK would log each failure's debug form, every run), and
/// stops sending to an endpoint that takes no metrics (HTTP 404 or 405:
/// Arize Phoenix takes traces only).
#[derive(Debug)]
struct QuietMetrics<M> {
    inner: M,
    endpoint: String,
    warned: AtomicBool,
    refused: AtomicBool,
}

impl<M> QuietMetrics<M> {
    fn new(inner: M, endpoint: String) -> QuietMetrics<M> {
        QuietMetrics {
            inner,
            endpoint,
            warned: AtomicBool::new(false),
            refused: AtomicBool::new(false),
        }
    }

    /// Says `error` once; an endpoint without metrics is not asked again.
    fn failed(&self, error: &str) {
        let no_metrics = ["404", "405", "Not Found", "Method Not Allowed"]
            .iter()
            .any(|code| error.contains(code));
        if no_metrics {
            self.refused.store(true, Ordering::Relaxed);
        }
        if self.warned.swap(true, Ordering::Relaxed) {
            return;
        }
        let hint = if no_metrics {
            "; the endpoint takes no metrics (Arize Phoenix takes traces only): they are no longer \
             sent, and OTEL_METRICS_EXPORTER=none leaves them out"
        } else {
            "; runs go on"
        };
        let message =
            format!("OpenTelemetry metrics export to {} failed: {error}{hint}", self.endpoint);
        if tracing::dispatcher::has_been_set() {
            tracing::warn!("{message}");
        } else {
            eprintln!("warning: {message}");
        }
    }
}

impl<M: PushMetricExporter> PushMetricExporter for QuietMetrics<M> {
    async fn export(
        &self,
        metrics: &opentelemetry_sdk::metrics::data::ResourceMetrics,
    ) -> OTelSdkResult {
        if self.refused.load(Ordering::Relaxed) {
            return Ok(());
        }
        if let Err(e) = self.inner.export(metrics).await {
            self.failed(&readable(&e.to_string()));
        }
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality {
        self.inner.temporality()
    }
}

/// The export pipeline of one process. Cheap to clone; every clone exports
/// through the same batch processor.
#[derive(Clone, Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    capture_content: bool,
    dropped: Arc<AtomicU64>,
    /// The metrics pipeline, when on ([`Telemetry::with_metrics`]).
    meters: Option<SdkMeterProvider>,
    metrics: Option<Arc<RunMetrics>>,
}

impl Telemetry {
    /// The pipeline `settings` ask for; `None` when export is off.
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` picks the transport (`http/protobuf`,
    /// the default, or `grpc`), `OTEL_SERVICE_NAME` names the service
    /// (default `rlm`), `OTEL_TRACES_SAMPLER` picks the sampler,
    /// `OTEL_EXPORTER_OTLP_HEADERS` adds headers (an API key),
    /// `OTEL_METRICS_EXPORTER=none` leaves the metrics out.
    pub fn from_settings(
        settings: &TelemetrySettings,
    ) -> Result<Option<Telemetry>, TelemetryError> {
        if !settings.enabled() {
            return Ok(None);
        }
        let protocol = Protocol::from_env(Signal::Traces)?;
        let url = settings.url(protocol, Signal::Traces);
        let endpoint = url.clone().unwrap_or_else(|| "(from OTEL_EXPORTER_OTLP_ENDPOINT)".into());
        let capture = settings.capture_content;
        let telemetry = match protocol {
            Protocol::HttpProtobuf => {
                let exporter = span_exporter_http(url).map_err(TelemetryError::Exporter)?;
                Self::with_exporter(exporter, endpoint, capture)
            }
            Protocol::Grpc => {
                let exporter = OnRuntime::build(|| span_exporter_grpc(url))
                    .map_err(TelemetryError::Exporter)?;
                Self::with_exporter(exporter, endpoint, capture)
            }
        };
        let metrics_off = std::env::var("OTEL_METRICS_EXPORTER").is_ok_and(|v| v.trim() == "none");
        if metrics_off {
            return Ok(Some(telemetry));
        }
        let protocol = Protocol::from_env(Signal::Metrics)?;
        let url = settings.url(protocol, Signal::Metrics);
        let endpoint = url.clone().unwrap_or_else(|| "(from OTEL_EXPORTER_OTLP_ENDPOINT)".into());
        Ok(Some(match protocol {
            Protocol::HttpProtobuf => telemetry.with_metrics(QuietMetrics::new(
                metric_exporter_http(url).map_err(TelemetryError::Exporter)?,
                endpoint,
            )),
            Protocol::Grpc => telemetry.with_metrics(QuietMetrics::new(
                OnRuntime::build(|| metric_exporter_grpc(url)).map_err(TelemetryError::Exporter)?,
                endpoint,
            )),
        }))
    }

    /// This pipeline with metrics ([`crate::metrics`]) exported through
    /// `exporter` by the SDK's periodic reader (`OTEL_METRIC_EXPORT_INTERVAL`,
    /// default 60 s; and at [`Telemetry::flush`] and [`Telemetry::shutdown`]).
    pub fn with_metrics<M: PushMetricExporter>(mut self, exporter: M) -> Telemetry {
        let reader = PeriodicReader::builder(exporter).build();
        let meters =
            SdkMeterProvider::builder().with_reader(reader).with_resource(resource()).build();
        self.metrics = Some(Arc::new(RunMetrics::new(&meters.meter("rlm"))));
        self.meters = Some(meters);
        self
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
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(resource())
            .build();
        Telemetry { provider, capture_content, dropped, meters: None, metrics: None }
    }

    /// A listener for one recorder: each root run it sees becomes a trace
    /// (under `parent`, a remote span, when given).
    pub fn listener(&self, parent: Option<TraceParent>) -> Arc<OtelListener> {
        let tracer = self.provider.tracer("rlm");
        let metrics = self.metrics.clone();
        Arc::new(OtelListener::new(tracer, parent, self.capture_content, metrics))
    }

    /// Spans lost to failed exports so far.
    pub fn dropped_spans(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends what is queued now (a short-lived process before it exits).
    pub fn flush(&self) {
        let _ = self.provider.force_flush();
        if let Some(meters) = &self.meters {
            let _ = meters.force_flush();
        }
    }

    /// Flushes and stops the pipeline; later spans are dropped.
    pub fn shutdown(&self) {
        let _ = self.provider.shutdown();
        if let Some(meters) = &self.meters {
            let _ = meters.shutdown();
        }
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

/// The service's resource: `OTEL_SERVICE_NAME`, else `rlm`; the same name
/// is the Arize Phoenix project (`openinference.project.name`, which
/// Phoenix files traces by), unless `PHOENIX_PROJECT_NAME` names another.
fn resource() -> Resource {
    let var = |name: &str| std::env::var(name).ok().filter(|s| !s.trim().is_empty());
    let service = var("OTEL_SERVICE_NAME").unwrap_or_else(|| "rlm".into());
    let project = var("PHOENIX_PROJECT_NAME").unwrap_or_else(|| service.clone());
    Resource::builder()
        .with_service_name(service)
        .with_attribute(opentelemetry::KeyValue::new("openinference.project.name", project))
        .build()
}

fn span_exporter_http(url: Option<String>) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(export_timeout());
    if let Some(url) = url {
        builder = builder.with_endpoint(url);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Built inside [`OnRuntime::build`] (tonic's channel needs a runtime).
fn span_exporter_grpc(
    url: Option<String>,
) -> Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    let mut builder =
        opentelemetry_otlp::SpanExporter::builder().with_tonic().with_timeout(export_timeout());
    if let Some(url) = url {
        builder = builder.with_endpoint(url);
    }
    builder.build()
}

fn metric_exporter_http(url: Option<String>) -> Result<opentelemetry_otlp::MetricExporter, String> {
    let mut builder = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(export_timeout());
    if let Some(url) = url {
        builder = builder.with_endpoint(url);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Built inside [`OnRuntime::build`].
fn metric_exporter_grpc(
    url: Option<String>,
) -> Result<opentelemetry_otlp::MetricExporter, opentelemetry_otlp::ExporterBuildError> {
    let mut builder =
        opentelemetry_otlp::MetricExporter::builder().with_tonic().with_timeout(export_timeout());
    if let Some(url) = url {
        builder = builder.with_endpoint(url);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::error::OTelSdkError;
    use opentelemetry_sdk::metrics::Temporality;
    use opentelemetry_sdk::metrics::data::ResourceMetrics;

    /// An exporter that fails every export with `error`, counting them.
    struct Failing {
        error: &'static str,
        calls: AtomicU64,
    }

    impl PushMetricExporter for Failing {
        async fn export(&self, _: &ResourceMetrics) -> OTelSdkResult {
            self.calls.fetch_add(1, Ordering::Relaxed);
            Err(OTelSdkError::InternalFailure(self.error.into()))
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
            Ok(())
        }
        fn temporality(&self) -> Temporality {
            Temporality::Cumulative
        }
    }

    fn exports(error: &'static str, times: usize) -> u64 {
        let quiet = QuietMetrics::new(Failing { error, calls: AtomicU64::new(0) }, "x".into());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for _ in 0..times {
            assert!(rt.block_on(quiet.export(&ResourceMetrics::default())).is_ok());
        }
        assert!(quiet.warned.load(Ordering::Relaxed));
        quiet.inner.calls.load(Ordering::Relaxed)
    }

    /// reqwest's debug form, as the OTLP exporters pass it, said in words.
    #[test]
    fn an_export_error_is_said_in_words() {
        let raw = "Operation failed: reqwest::Error { kind: Request, url: \"http://127.0.0.1:9/v1/metrics\", \
                   source: hyper_util::client::legacy::Error(Connect, ConnectError(\"tcp connect error\", \
                   127.0.0.1:9, Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" })) }";
        assert_eq!(readable(raw), "Operation failed: tcp connect error: Connection refused");
        let timeout = "reqwest::Error { kind: Request, url: \"http://x\", source: TimedOut }";
        assert_eq!(readable(timeout), "the request failed (Request)");
        assert_eq!(
            readable("HTTP export failed. Status Code: 405"),
            "HTTP export failed. Status Code: 405"
        );
    }

    /// An endpoint that takes no metrics (Phoenix: 405) is asked once; any
    /// other failure is retried at the next export, said once.
    #[test]
    fn an_endpoint_without_metrics_is_asked_once() {
        assert_eq!(exports("HTTP export failed. Status Code: 405, Method Not Allowed", 3), 1);
        assert_eq!(exports("connection refused", 3), 3);
    }
}
