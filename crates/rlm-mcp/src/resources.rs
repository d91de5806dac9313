//! The server's resources: the session list (`rlm://sessions`), the list of
//! kept traces (`rlm://traces`) and each run's trace tree as JSON
//! (`rlm://traces/{id}`, the id a tool's result names as `trace_id`). Each
//! is the requesting tenant's own: another tenant's trace is "no trace",
//! as a made-up id is.

use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use serde_json::json;

use rlm_listen::Tenant;

use crate::registry::Registry;

pub const SESSIONS_URI: &str = "rlm://sessions";
pub const TRACES_URI: &str = "rlm://traces";
const TRACE_PREFIX: &str = "rlm://traces/";

/// The URI of run `id`'s trace.
pub fn trace_uri(id: &str) -> String {
    format!("{TRACE_PREFIX}{id}")
}

fn json_resource(uri: &str, name: &str, description: &str) -> Resource {
    Resource::new(uri, name).with_description(description).with_mime_type("application/json")
}

/// The two lists, then every trace `tenant` keeps.
pub fn list(registry: &Registry, tenant: &Tenant) -> ListResourcesResult {
    let mut resources = vec![
        json_resource(SESSIONS_URI, "sessions", "The sessions rlm_session_create made"),
        json_resource(TRACES_URI, "traces", "The runs this server did, newest last"),
    ];
    for (id, tool, query, finish) in registry.trace_list(tenant) {
        let description = format!("{tool}: {} ({finish})", short(&query, 80));
        resources.push(json_resource(&trace_uri(&id), &format!("trace {id}"), &description));
    }
    ListResourcesResult::with_all_items(resources)
}

pub fn templates() -> ListResourceTemplatesResult {
    let trace = ResourceTemplate::new(format!("{TRACE_PREFIX}{{trace_id}}"), "trace")
        .with_description("One run's trace tree (JSON), by the trace_id a tool returned")
        .with_mime_type("application/json");
    ListResourceTemplatesResult::with_all_items(vec![trace])
}

/// The text of `tenant`'s resource at `uri`.
pub fn read(
    registry: &Registry,
    tenant: &Tenant,
    uri: &str,
) -> Result<ReadResourceResult, ErrorData> {
    let text = if uri == SESSIONS_URI {
        sessions_json(registry, tenant).to_string()
    } else if uri == TRACES_URI {
        let traces: Vec<_> = registry
            .trace_list(tenant)
            .into_iter()
            .map(|(id, tool, query, finish)| {
                json!({"trace_id": id, "uri": trace_uri(&id), "tool": tool, "query": query, "finish": finish})
            })
            .collect();
        json!({ "traces": traces }).to_string()
    } else if let Some(id) = uri.strip_prefix(TRACE_PREFIX) {
        match registry.trace_json(tenant, id) {
            Some(Ok(text)) => text,
            Some(Err(e)) => {
                return Err(ErrorData::internal_error(format!("trace {id}: {e}"), None));
            }
            None => {
                return Err(ErrorData::resource_not_found(
                    format!("no trace {id} (this server keeps its most recent runs' traces)"),
                    Some(json!({ "uri": uri })),
                ));
            }
        }
    } else {
        return Err(ErrorData::resource_not_found(
            format!("no resource {uri}"),
            Some(json!({ "uri": uri })),
        ));
    };
    let contents = ResourceContents::TextResourceContents {
        uri: uri.to_string(),
        mime_type: Some("application/json".into()),
        text,
        meta: None,
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

/// Each of `tenant`'s sessions: id, name, sources, context size, and what it has spent.
pub fn sessions_json(registry: &Registry, tenant: &Tenant) -> serde_json::Value {
    let sessions: Vec<_> = registry
        .sessions(tenant)
        .into_iter()
        .map(|s| {
            let usage = s.session.usage();
            json!({
                "session_id": s.session.id().0,
                "name": s.name,
                "sources": s.sources,
                "skipped_binary": s.skipped_binary,
                "context_chars": s.session.context().len_chars(),
                "documents": s.session.context().num_documents(),
                "executions": usage.executions,
                "total_tokens": usage.usage.total(),
                "cost_usd": usage.cost_usd,
            })
        })
        .collect();
    json!({ "sessions": sessions })
}

fn short(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() > n {
        format!("{}…", one.chars().take(n).collect::<String>())
    } else {
        one
    }
}
