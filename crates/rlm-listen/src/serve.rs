//! The hardened serve loop: hyper-util's auto connection builder (HTTP/1
//! and HTTP/2 over cleartext, told apart by the preface), hyper's header read
//! timeout, tower-http's per-frame request body timeout, the minimum body
//! rate ([`BodyRate`]), HTTP/2 keep-alive pings, the capped [`Connections`]
//! shared among tenants (each request carries its connection for the door
//! to attribute), and a graceful shutdown that lets requests under way
//! finish within the grace period.
//!
//! The accept loop is hand-written (as `axum::serve`'s is) because the cap
//! must choose which open connection to close; everything timed is hyper's
//! or tower-http's.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Version, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::body_rate::BodyRate;
use crate::connections::{Conn, ConnectionHandle, Connections};
use crate::error::ListenError;
use crate::limits::ListenLimits;

/// How long an HTTP/2 peer has to answer a keep-alive ping.
const PING_TIMEOUT: Duration = Duration::from_secs(20);

/// Binds `addr` (port 0: any free port).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    TcpListener::bind(addr).await.map_err(|source| ListenError::Bind { addr, source })
}

/// A listener being served.
pub struct Listening {
    addr: SocketAddr,
    stop: CancellationToken,
    connections: Arc<Connections>,
    task: JoinHandle<()>,
}

impl Listening {
    /// Where it listens (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.connections.open()
    }

    /// Stops accepting, lets requests under way finish within the grace
    /// period, then closes every connection.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Serves `app` on `listener` within `limits` until [`Listening::stop`].
pub fn serve(
    listener: TcpListener,
    app: Router,
    limits: ListenLimits,
) -> Result<Listening, ListenError> {
    limits.validate()?;
    let addr = listener
        .local_addr()
        .map_err(|source| ListenError::Bind { addr: ([0, 0, 0, 0], 0).into(), source })?;
    let app = app.layer(RequestBodyTimeoutLayer::new(limits.idle_timeout));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.idle_timeout)
        .keep_alive_timeout(PING_TIMEOUT);
    let connections = Arc::new(Connections::new(limits.max_connections));
    let stop = CancellationToken::new();
    // The grace a body has before its rate counts is the head's own timeout.
    let rate = BodyRate { rate: limits.min_body_rate, grace: limits.header_timeout };
    let task = tokio::spawn(accept_loop(
        listener,
        app,
        builder,
        Arc::clone(&connections),
        stop.clone(),
        (limits.shutdown_grace, rate),
    ));
    Ok(Listening { addr, stop, connections, task })
}

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    builder: auto::Builder<TokioExecutor>,
    connections: Arc<Connections>,
    stop: CancellationToken,
    (grace, rate): (Duration, BodyRate),
) {
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it
                // was taken: wait a little (the cap sheds), never spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some((id, conn)) = connections.admit() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let handle = (Arc::clone(&connections), Arc::clone(&conn));
        let service =
            hyper_util::service::TowerToHyperService::new(tracked(app.clone(), handle, rate));
        let served = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let watched = graceful.watch(served);
        let connections = Arc::clone(&connections);
        tokio::spawn(async move {
            tokio::select! {
                _ = watched => {}
                () = conn.shed.cancelled() => {}
            }
            connections.leave(id);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still under way after the shutdown grace period: closed");
    }
}

/// `app` marking the connection busy from each request's head to the end
/// of its response body, handing the door the connection (to attribute it
/// to the request's tenant), holding the body to the minimum rate (408 when
/// it falls behind), and closing an HTTP/1 connection after a refusal that
/// asked for it.
fn tracked(
    app: Router,
    (connections, conn): (Arc<Connections>, Arc<Conn>),
    rate: BodyRate,
) -> impl tower::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |request: hyper::Request<Incoming>| {
        let busy = conn.begin();
        let close = Arc::new(AtomicBool::new(false));
        let handle = ConnectionHandle {
            connections: Arc::clone(&connections),
            conn: Arc::clone(&conn),
            close: Arc::clone(&close),
        };
        let version = request.version();
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(handle);
        let (body, too_slow) = rate.watch(Body::new(body));
        let request = hyper::Request::from_parts(parts, body);
        let app = app.clone();
        async move {
            let mut response = app.oneshot(request).await?;
            if too_slow.tripped() {
                response = rate.refusal();
                close.store(true, Ordering::SeqCst);
            }
            // HTTP/2 multiplexes other requests on the connection: only
            // this stream ends.
            if close.load(Ordering::SeqCst) && version <= Version::HTTP_11 {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _still_busy = &busy;
                    frame
                }))
            }))
        }
    })
}
