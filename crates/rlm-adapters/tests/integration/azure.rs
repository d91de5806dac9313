//! Azure OpenAI: deployment URL with api-version, `api-key` or bearer auth,
//! the OpenAI body without `model`, Azure-shaped errors.

use rlm_adapters::{
    AdapterErrorKind, AzureAuth, AzureConfig, ModelAdapter, Secret, azure_adapter, collect_stream,
};
use rlm_types::{CompletionRequest, Usage};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{body_of, fast_http};
use crate::openai::{ok_body, rich_request, sse_body};

#[tokio::test]
async fn deployment_url_auth_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/my-gpt5/chat/completions"))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", "azure-key-0123456789abcdef"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("azure says hi")))
        .expect(1)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let mut c = AzureConfig::new(
        "my-gpt5",
        server.uri(),
        AzureAuth::ApiKey(Secret::new("azure-key-0123456789abcdef")),
    );
    c.model = Some("gpt-5".into());
    c.http = http;
    let a = azure_adapter(c).unwrap();
    let done = a.complete(&rich_request()).await.unwrap();
    assert_eq!(done.text, "azure says hi");
    assert_eq!(done.usage, Usage { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 8 });
    assert_eq!(a.model_id().to_string(), "azure:my-gpt5");
    assert_eq!(a.context_window(), Some(400_000));
    insta::assert_json_snapshot!("azure_reasoning_body", body_of(&server, 0).await);
}

#[tokio::test]
async fn bearer_auth_streaming_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer entra-token-abcdefghijkl"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(sse_body(&["a", "z"]), "text/event-stream"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}})))
        .mount(&server)
        .await;
    let (http, _) = fast_http(1);
    let mut c = AzureConfig::new(
        "dep",
        format!("{}/", server.uri()),
        AzureAuth::Bearer(Secret::new("entra-token-abcdefghijkl")),
    );
    c.http = http;
    let a = azure_adapter(c).unwrap();
    let (_, done) = collect_stream(a.stream(&CompletionRequest::user("q")).await.result.unwrap())
        .await
        .unwrap();
    assert_eq!(done.text, "az");
    let err = a.complete(&CompletionRequest::user("q")).await.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::ModelNotFound);
    assert!(err.to_string().contains("deployment"), "{err}");
}

#[test]
fn config_errors() {
    let key = || AzureAuth::ApiKey(Secret::new("k-0123456789"));
    assert!(azure_adapter(AzureConfig::new("d", "nope", key())).is_err());
    assert!(azure_adapter(AzureConfig::new("a/b", "https://x.openai.azure.com", key())).is_err());
    assert!(
        azure_adapter(AzureConfig::new(
            "d",
            "https://x.openai.azure.com",
            AzureAuth::ApiKey(Secret::new(""))
        ))
        .is_err()
    );
    assert_eq!(AzureConfig::endpoint_for_resource("acme"), "https://acme.openai.azure.com");
}
