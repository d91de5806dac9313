//! What the server logs, and at which level: a request (`/healthz`, a 404,
//! a refused body) only at DEBUG, so INFO logs stay quiet under load; a
//! refusal during a graceful shutdown (503) at INFO, not as an error; a
//! server fault (500) at ERROR.

use crate::common;

use std::sync::{Arc, Mutex};

use axum::response::IntoResponse;
use common::*;
use rlm_server::ServerError;
use tracing::Level;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// One event as logged: level, target and message.
#[derive(Debug, Clone)]
struct Logged {
    level: Level,
    target: String,
    message: String,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Logged>>>);

impl Capture {
    fn take(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// The name of this test's runtime threads, where the whole test runs: the
/// suite's other tests run in the same process, and the subscriber is the
/// process's, so only the events of these threads are kept.
const OWN_THREADS: &str = "logs-test";

/// Whether the current thread is one of this test's.
fn own_thread() -> bool {
    std::thread::current().name() == Some(OWN_THREADS)
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if !own_thread() {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let meta = event.metadata();
        self.0.lock().unwrap().push(Logged {
            level: *meta.level(),
            target: meta.target().to_string(),
            message: message.0,
        });
    }
}

#[test]
fn requests_log_at_debug_shutdown_refusals_at_info_faults_at_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(OWN_THREADS)
        .enable_all()
        .build()
        .unwrap();
    // Spawned, so that it runs on the runtime's named threads, not the test's own.
    runtime.block_on(async { tokio::spawn(logged_at_their_levels()).await.unwrap() });
}

async fn logged_at_their_levels() {
    let capture = Capture::default();
    // The one test of the suite that sets the process's subscriber.
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .unwrap();
    let s = TestServer::start(demo_script()).await;
    capture.take();
    for _ in 0..20 {
        assert_eq!(s.get("/healthz").await.0, 200);
    }
    assert_eq!(s.get("/nope").await.0, 404);
    assert_eq!(s.post("/api/execute", serde_json::json!({"x": 1})).await.0, 422);
    let logged = capture.take();
    let loud: Vec<&Logged> = logged.iter().filter(|l| l.level <= Level::INFO).collect();
    assert!(loud.is_empty(), "requests logged above DEBUG: {loud:?}");
    let per_request =
        logged.iter().filter(|l| l.target.starts_with("tower_http") && l.level == Level::DEBUG);
    assert!(per_request.count() >= 22, "each request is logged at DEBUG: {logged:?}");
    s.stop().await;

    capture.take();
    let response = ServerError::ShuttingDown.into_response();
    assert_eq!(response.status(), 503);
    let logged = capture.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].level, Level::INFO);
    assert!(logged[0].message.contains("shutting down"), "{logged:?}");

    let response = ServerError::Internal("a broken invariant".into()).into_response();
    assert_eq!(response.status(), 500);
    let logged = capture.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].level, Level::ERROR);
}
