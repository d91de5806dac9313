//! Query rewriting: one model call for `n` reformulations of a query (as JSON),
//! for multi-query retrieval (`rewrites + [query]` → searches → [`crate::union_pool`]
//! → rerank on the original query).

use rlm_sched::SubcallExecutor;

use crate::error::{Result, RetrievalError};
use crate::prompts::{RetrievalPrompts, render};
use crate::rerank::ModelCaller;

/// Asks a model for `n` reformulations of a query.
pub struct QueryRewriter<X: SubcallExecutor> {
    caller: ModelCaller<X>,
    n: usize,
    system_prompt: String,
}

impl<X: SubcallExecutor> QueryRewriter<X> {
    /// `n` reformulations with the default system prompt (`prompts/query_rewrite.md`).
    pub fn new(caller: ModelCaller<X>, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(RetrievalError::invalid("n must be at least 1"));
        }
        let system_prompt =
            render(&RetrievalPrompts::default().query_rewrite, &[("n", &n.to_string())])?;
        Ok(QueryRewriter { caller, n, system_prompt })
    }

    /// Replaces the system prompt (used as is: it should ask for `{"rewrites": [...]}`).
    pub fn with_system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = prompt.into();
        self
    }

    pub fn system_prompt(&self) -> &str {
        &self.system_prompt
    }

    /// Up to `n` distinct reformulations (the query itself excluded). A reply
    /// that is not the requested JSON is read as a JSON list, then line by line.
    pub async fn rewrite(&self, query: &str) -> Result<Vec<String>> {
        if query.trim().is_empty() {
            return Err(RetrievalError::invalid("query must not be empty"));
        }
        let reply = self.caller.call(Some(&self.system_prompt), format!("Query: {query}")).await?;
        let mut out: Vec<String> = Vec::new();
        for candidate in parse_rewrites(&reply) {
            let c = candidate.trim().to_string();
            if !c.is_empty() && !c.eq_ignore_ascii_case(query.trim()) && !out.contains(&c) {
                out.push(c);
            }
        }
        out.truncate(self.n);
        Ok(out)
    }
}

/// The strings of `{"rewrites": [...]}` or of a bare JSON list in `reply`
/// (code fences and prose around it allowed), else its non-empty lines with
/// list markers removed.
fn parse_rewrites(reply: &str) -> Vec<String> {
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        let list = v.get("rewrites").unwrap_or(v).as_array()?;
        Some(list.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
    };
    for (open, close) in [('{', '}'), ('[', ']')] {
        if let (Some(a), Some(b)) = (reply.find(open), reply.rfind(close)) {
            if a < b {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&reply[a..=b]) {
                    if let Some(list) = strings(&v) {
                        return list;
                    }
                }
            }
        }
    }
    reply
        .lines()
        .map(|l| l.trim().trim_start_matches(|c: char| c.is_ascii_digit() || "-*.) ".contains(c)))
        .map(|l| l.trim_matches('"').to_string())
        .filter(|l| !l.is_empty() && !l.starts_with("```"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_are_read_from_json_lists_or_lines() {
        assert_eq!(parse_rewrites("```json\n{\"rewrites\": [\"a b\", \"c\"]}\n```"), ["a b", "c"]);
        assert_eq!(parse_rewrites("Sure: [\"x\", \"y\"]"), ["x", "y"]);
        assert_eq!(parse_rewrites("1. first one\n- second\n"), ["first one", "second"]);
    }
}
