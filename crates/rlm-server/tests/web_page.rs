//! What `web.rs` serves: the page at `/` and at its own paths (so shared
//! links open), its content-hashed assets with long caching, a strict CSP,
//! and JSON 404s for anything else.

use crate::common;

use common::{TestServer, demo_script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let s = TestServer::start(demo_script()).await;
    let get = |path: &str| s.client.get(s.url(path)).send();

    let page = get("/").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<div id="app"></div>"#), "{html}");

    // The page's own routes answer the same page (the client routes them).
    let id = "0b0e6c2a-1d7e-4d7e-9a55-3a0b8a7c9f10";
    for path in ["/dashboard", &format!("/sessions/{id}"), &format!("/executions/{id}")] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.text().await.unwrap(), html, "{path}");
    }

    // Every asset the page names is served, typed and cached for good.
    let assets: Vec<&str> = html.split('"').filter(|part| part.starts_with("/assets/")).collect();
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "{assets:?}"
    );
    for a in assets {
        let r = get(a).await.unwrap();
        assert_eq!(r.status(), 200, "{a}");
        let expected = if a.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(r.headers()["content-type"], expected, "{a}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert!(r.bytes().await.unwrap().len() > 1000, "{a}");
    }

    // Anything else is the API's JSON 404, traversal included.
    for path in [
        "/assets/nope.js",
        "/assets/../index.html",
        "/assets/%2e%2e/index.html",
        "/executions/not-a-uuid/x",
        "/nope",
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["detail"].is_string(), "{path}: {body}");
    }
    s.stop().await;
}
