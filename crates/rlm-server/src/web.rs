//! The web page served at `/` (issue #15): the built assets of `web/`
//! (`web/dist`, committed, rebuilt and compared by `.ci/run`) embedded in the
//! binary, so `cargo build` never needs npm. The page's own paths
//! (`/sessions/{id}`, `/executions/{id}`, `/dashboard`) answer with the page,
//! which routes on the client; `/assets/*` are content-hashed files, cached
//! for good. Every answer carries a strict Content-Security-Policy: the page
//! loads nothing from anywhere else and runs no inline script.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use include_dir::{Dir, include_dir};

use crate::api::AppState;
use crate::error::ServerError;

static DIST: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/web/dist");

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Routes of the web page.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/dashboard", get(page))
        .route("/sessions/{id}", get(page))
        .route("/executions/{id}", get(page))
        .route("/assets/{*file}", get(asset))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn file(path: &str, cache: &'static str) -> Result<Response, ServerError> {
    let Some(f) = DIST.get_file(path) else {
        return Err(ServerError::NotFound { what: "file", id: path.to_string() });
    };
    let mut response = (StatusCode::OK, f.contents()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// The page itself (any of its routes): always revalidated, so a new build shows at once.
async fn page() -> Result<Response, ServerError> {
    file("index.html", "no-cache")
}

/// A built asset; its name carries its content hash, so it never changes.
async fn asset(Path(name): Path<String>) -> Result<Response, ServerError> {
    // include_dir paths are plain relative names: `..` or a leading `/` match nothing.
    file(&format!("assets/{name}"), "public, max-age=31536000, immutable")
}
