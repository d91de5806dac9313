//! The OTLP transports: HTTP/protobuf (the default) and gRPC, chosen by the
//! standard `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`
//! variables; and [`OnRuntime`], which gives gRPC's exporter the tokio
//! reactor it needs on the SDK's plain export threads.

use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::error::TelemetryError;

/// How OTLP leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf`: POST to `<endpoint>/v1/traces` (and `/v1/metrics`).
    HttpProtobuf,
    /// `grpc`: the OTLP gRPC services at the endpoint (a Collector's 4317).
    Grpc,
}

/// The signals we export, each with its own protocol variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    fn protocol_variable(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        }
    }

    /// The HTTP path of the signal under a base endpoint.
    pub(crate) fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
        }
    }
}

impl Protocol {
    /// The protocol the environment asks for `signal` (the signal's own
    /// variable first); `http/protobuf` when neither is set. `http/json` is
    /// not built in: an error, rather than a silent switch of protocol.
    pub(crate) fn from_env(signal: Signal) -> Result<Protocol, TelemetryError> {
        let value = [signal.protocol_variable(), "OTEL_EXPORTER_OTLP_PROTOCOL"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
        match value.as_deref().map(str::trim) {
            None | Some("http/protobuf") => Ok(Protocol::HttpProtobuf),
            Some("grpc") => Ok(Protocol::Grpc),
            Some(other) => Err(TelemetryError::Protocol(other.to_string())),
        }
    }
}

/// An exporter whose futures need a tokio reactor (tonic's channel), on a
/// small runtime of its own: the SDK exports from plain threads (its batch
/// processor's, its metric reader's), where no reactor runs. The channel is
/// built inside the runtime (`OnRuntime::build`), and each export is driven
/// by it; called from inside some other runtime, an export just awaits.
#[derive(Debug)]
pub(crate) struct OnRuntime<E> {
    inner: E,
    /// Always `Some` until dropped (see the `Drop` impl).
    runtime: Option<tokio::runtime::Runtime>,
}

/// The exporter may be dropped anywhere (the metric reader shares it with
/// its thread; the last one to let go drops it): a runtime dropped inside
/// another's async context would panic, so it is let go in the background.
impl<E> Drop for OnRuntime<E> {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl<E> OnRuntime<E> {
    /// Builds the exporter with `build` inside a new runtime.
    pub(crate) fn build<B>(build: impl FnOnce() -> Result<E, B>) -> Result<OnRuntime<E>, String>
    where
        B: std::fmt::Display,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("rlm-otlp-grpc")
            .build()
            .map_err(|e| e.to_string())?;
        let inner = {
            let _entered = runtime.enter();
            build().map_err(|e| e.to_string())?
        };
        Ok(OnRuntime { inner, runtime: Some(runtime) })
    }

    /// Drives `work` to its end: on our runtime from a plain thread, or
    /// awaited where a runtime already runs.
    async fn drive<T>(&self, work: impl Future<Output = T>) -> T {
        match &self.runtime {
            Some(runtime) if tokio::runtime::Handle::try_current().is_err() => {
                runtime.block_on(work)
            }
            _ => work.await,
        }
    }
}

impl<E: SpanExporter> SpanExporter for OnRuntime<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.drive(self.inner.export(batch)).await
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

impl<E: PushMetricExporter> PushMetricExporter for OnRuntime<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        self.drive(self.inner.export(metrics)).await
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metric reader's last reference may go inside `rlm serve`'s
    /// runtime: dropping the exporter's own runtime there must not panic.
    #[tokio::test]
    async fn an_exporter_on_its_runtime_can_be_dropped_inside_another() {
        let exporter = OnRuntime::build(|| Ok::<_, String>(())).expect("a runtime");
        assert!(exporter.runtime.is_some());
        drop(exporter);
    }
}
