//! The web page served at `/` (issue #15) mounts its routes here, from assets
//! embedded in the binary. Until it exists, `/` is the API's JSON 404.

use axum::Router;

use crate::api::AppState;

/// Routes of the web page.
pub fn routes() -> Router<AppState> {
    Router::new()
}
