//! The test's OTLP/HTTP receiver, shared by every `otlp` probe.

use super::*;

/// The test's OTLP/HTTP receiver on 127.0.0.1, shared by every probe (each
/// exports under a path of its own, [`otlp_endpoint`]): it answers every
/// POST 200, as `tests/otlp_receiver.rs`'s does.
fn receiver() -> &'static MockService {
    static RECEIVER: OnceLock<MockService> = OnceLock::new();
    RECEIVER.get_or_init(|| {
        MockService::start(|| {
            vec![Mock::given(method("POST")).respond_with(ResponseTemplate::new(200))]
        })
    })
}

/// The receiver's endpoint for the probe in `dir`.
pub(super) fn otlp_endpoint(dir: &Path) -> String {
    receiver().url_of(dir)
}

/// The bodies of the span exports the probe in `dir` sent.
pub(super) fn exported(dir: &Path) -> Vec<Vec<u8>> {
    let traces = format!("{}/v1/traces", probe_path(dir));
    let requests = receiver().requests_of(dir).into_iter();
    requests.filter(|q| q.url.path() == traces).map(|q| q.body).collect()
}

/// Whether a probe of `row` exports spans: the receiver is its endpoint.
pub(super) fn exports_spans(row: &Row, with_knob: bool) -> bool {
    let knob = with_knob.then_some(&row.value);
    row.also.values().chain(knob).any(|v| v.contains("{otlp}"))
}

/// The span exports of a server's probe in `dir` (which exports while it
/// runs, in batches): waited for when the probe exports.
pub(super) async fn exported_by_a_server(row: &Row, with_knob: bool, dir: &Path) -> Vec<Vec<u8>> {
    for _ in 0..600 {
        let bodies = exported(dir);
        if !bodies.is_empty() || !exports_spans(row, with_knob) {
            return bodies;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

/// Spans with their content (prompts, answers, programs' errors) sent to
/// the receiver: the probe's window on a front end that writes no trace
/// (exec, stress), set alike in the runs with the knob and without it.
pub(super) fn spans_with_content(setting: &mut Setting, dir: &Path) {
    setting.set("telemetry.otlp_endpoint", &otlp_endpoint(dir), Way::Env);
    setting.set("telemetry.capture_content", "true", Way::Env);
}
