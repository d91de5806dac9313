//! What searches take and return: [`Hit`] (one ranked result), [`Fetched`]
//! (a whole entry by id), [`Filters`] (metadata equality) and [`Metadata`].

use serde::{Deserialize, Serialize};

use crate::error::{Result, RetrievalError};

/// Metadata of an indexed entry: a JSON object (name, document index, offsets...).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// One search result, as the DSL's `search`/`es_search` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Stable id of the entry (pass it to `get`).
    pub doc_id: String,
    /// A short excerpt, centred on the first query term found when there is one.
    pub preview: String,
    /// Backend score: BM25, cosine similarity or fused reciprocal rank. Higher is better;
    /// scores of different search kinds are not comparable.
    pub score: f64,
    /// The entry's metadata.
    pub metadata: Metadata,
}

/// A whole entry fetched by id (`es_get`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fetched {
    pub doc_id: String,
    pub content: String,
    pub metadata: Metadata,
}

/// Metadata equality filters: an entry matches when, for every key, its metadata
/// holds exactly that value. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters(pub Metadata);

impl Filters {
    /// No filter.
    pub fn none() -> Self {
        Filters::default()
    }

    /// Filters from a JSON object; anything else is an error. Values must be
    /// scalars (string, number, bool): nested values cannot be matched exactly
    /// by every backend.
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        match value {
            serde_json::Value::Null => Ok(Filters::none()),
            serde_json::Value::Object(map) => {
                for (key, v) in &map {
                    if v.is_object() || v.is_array() || v.is_null() {
                        return Err(RetrievalError::invalid(format!(
                            "filter '{key}' must be a string, number or bool"
                        )));
                    }
                }
                Ok(Filters(map))
            }
            other => Err(RetrievalError::invalid(format!(
                "filters must be a dict of metadata values, got {other}"
            ))),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `metadata` satisfies every filter. Numbers compare by value
    /// (`1` matches `1.0`).
    pub fn matches(&self, metadata: &Metadata) -> bool {
        self.0.iter().all(|(key, want)| match metadata.get(key) {
            Some(have) => values_equal(have, want),
            None => false,
        })
    }
}

fn values_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => {
            x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y)
        }
        _ => a == b,
    }
}

/// Checks the arguments every search shares.
pub(crate) fn check_query(query: &str, k: usize) -> Result<()> {
    if query.trim().is_empty() {
        return Err(RetrievalError::invalid("query must not be empty"));
    }
    if k == 0 {
        return Err(RetrievalError::invalid("k must be at least 1"));
    }
    if k > MAX_K {
        return Err(RetrievalError::invalid(format!("k must be at most {MAX_K}")));
    }
    Ok(())
}

/// The largest `k` a search accepts (results are materialised as dicts in the sandbox).
pub const MAX_K: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_match_by_value_and_refuse_nested_values() {
        let f = Filters::from_json(json!({"document": 2, "name": "a.txt"})).unwrap();
        let meta = json!({"document": 2.0, "name": "a.txt", "start": 5});
        assert!(f.matches(meta.as_object().unwrap()));
        let other = json!({"document": 3, "name": "a.txt"});
        assert!(!f.matches(other.as_object().unwrap()));
        assert!(!f.matches(json!({"name": "a.txt"}).as_object().unwrap()));
        assert!(Filters::from_json(json!({"a": [1]})).is_err());
        assert!(Filters::from_json(json!([1])).is_err());
        assert!(Filters::from_json(serde_json::Value::Null).unwrap().is_empty());
    }

    #[test]
    fn query_checks() {
        assert!(check_query("  ", 3).is_err());
        assert!(check_query("a", 0).is_err());
        assert!(check_query("a", MAX_K + 1).is_err());
        assert!(check_query("a", 10).is_ok());
    }
}
