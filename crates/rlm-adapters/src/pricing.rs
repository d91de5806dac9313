//! Prices per million tokens (input, cached input, output) → USD per call, with
//! built-in defaults that users override from a JSON/TOML table; and the known
//! context windows of common models.

use std::collections::BTreeMap;
use std::path::Path;

use rlm_types::{ModelId, Price, Usage};
use serde::{Deserialize, Serialize};

use crate::error::AdapterError;

/// Providers that run on the user's own hardware: free per token.
const LOCAL_PROVIDERS: &[&str] = &["ollama", "vllm", "lmstudio", "llamacpp", "fake", "local"];

/// Built-in list prices (USD per 1M tokens: input, cached input, output) as the
/// providers published them for standard (non-batch) use; override them with
/// [`PriceTable::insert`] or a price file when they change.
const DEFAULT_PRICES: &[(&str, Price)] = &[
    ("gpt-5", Price::new(1.25, 0.125, 10.0)),
    ("gpt-5-mini", Price::new(0.25, 0.025, 2.0)),
    ("gpt-5-nano", Price::new(0.05, 0.005, 0.40)),
    ("gpt-4.1", Price::new(2.0, 0.50, 8.0)),
    ("gpt-4.1-mini", Price::new(0.40, 0.10, 1.60)),
    ("gpt-4.1-nano", Price::new(0.10, 0.025, 0.40)),
    ("gpt-4o", Price::new(2.50, 1.25, 10.0)),
    ("gpt-4o-mini", Price::new(0.15, 0.075, 0.60)),
    ("o3", Price::new(2.0, 0.50, 8.0)),
    ("o4-mini", Price::new(1.10, 0.275, 4.40)),
    ("claude-opus-4", Price::new(15.0, 1.50, 75.0)),
    ("claude-sonnet-4", Price::new(3.0, 0.30, 15.0)),
    ("claude-haiku-4-5", Price::new(1.0, 0.10, 5.0)),
    ("claude-3-5-haiku", Price::new(0.80, 0.08, 4.0)),
    ("gemini-2.5-pro", Price::new(1.25, 0.31, 10.0)),
    ("gemini-2.5-flash", Price::new(0.30, 0.075, 2.50)),
    ("gemini-2.5-flash-lite", Price::new(0.10, 0.025, 0.40)),
];

/// Per-model prices. Lookup: `provider:model` exactly, then `model` exactly,
/// then the longest entry that `model` starts with (so `gpt-5-mini-2025-08-07`
/// gets `gpt-5-mini`'s price, and `openai/gpt-5` on OpenRouter gets `gpt-5`'s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    #[serde(flatten)]
    prices: BTreeMap<String, Price>,
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable { prices: DEFAULT_PRICES.iter().map(|(k, p)| ((*k).to_string(), *p)).collect() }
    }
}

impl PriceTable {
    /// An empty table (no defaults).
    pub fn empty() -> Self {
        PriceTable { prices: BTreeMap::new() }
    }

    /// Adds or replaces a price; `key` is `model` or `provider:model`.
    pub fn insert(&mut self, key: impl Into<String>, price: Price) {
        self.prices.insert(key.into(), price);
    }

    /// The defaults, overridden by a JSON or TOML file of `{ "model": {input_per_mtok, output_per_mtok, cached_input_per_mtok} }`.
    pub fn with_overrides_from_file(path: &Path) -> Result<Self, AdapterError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AdapterError::Config(format!("cannot read price file {}: {e}", path.display()))
        })?;
        let overrides: PriceTable = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| {
                AdapterError::Config(format!("bad price file {}: {e}", path.display()))
            })?
        } else {
            serde_json::from_str(&text).map_err(|e| {
                AdapterError::Config(format!("bad price file {}: {e}", path.display()))
            })?
        };
        let mut table = PriceTable::default();
        table.prices.extend(overrides.prices);
        Ok(table)
    }

    /// The price of a model, if known. Local providers cost zero.
    pub fn price(&self, model: &ModelId) -> Option<Price> {
        if let Some(p) = self.prices.get(&model.to_string()) {
            return Some(*p);
        }
        if LOCAL_PROVIDERS.contains(&model.provider.as_str()) {
            return Some(Price {
                input_per_mtok: 0.0,
                output_per_mtok: 0.0,
                cached_input_per_mtok: None,
            });
        }
        let name = model.model.as_str();
        // OpenRouter-style `vendor/model`.
        let short = name.rsplit('/').next().unwrap_or(name);
        for candidate in [name, short] {
            if let Some(p) = self.prices.get(candidate) {
                return Some(*p);
            }
        }
        [self.longest_prefix(name), self.longest_prefix(short)]
            .into_iter()
            .flatten()
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| p)
    }

    /// The longest key (without a provider) that `name` starts with. Every
    /// call prices itself: of the keys that are prefixes of `name`, the longer
    /// sorts later, so the first met walking down from `name` is the longest,
    /// and the walk ends at the first key with another first byte.
    fn longest_prefix(&self, name: &str) -> Option<(&str, Price)> {
        use std::ops::Bound;
        let first = name.as_bytes().first();
        self.prices
            .range::<str, _>((Bound::Unbounded, Bound::Included(name)))
            .rev()
            .take_while(|(k, _)| k.as_bytes().first() == first)
            .find(|(k, _)| !k.contains(':') && name.starts_with(k.as_str()))
            .or_else(|| self.prices.get_key_value(""))
            .map(|(k, p)| (k.as_str(), *p))
    }

    /// USD for one call, if the model's price is known.
    pub fn cost(&self, model: &ModelId, usage: &Usage) -> Option<f64> {
        self.price(model).map(|p| p.cost(usage))
    }
}

/// Context windows (tokens) of common models, by name prefix (longest wins).
const CONTEXT_WINDOWS: &[(&str, u64)] = &[
    ("gpt-5", 400_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4o", 128_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("claude-", 200_000),
    ("gemini-2.5", 1_048_576),
    ("gemini-2.0", 1_048_576),
];

/// The context window of a model, when the name is one we know.
pub fn known_context_window(model: &str) -> Option<u64> {
    let short = model.rsplit('/').next().unwrap_or(model);
    CONTEXT_WINDOWS
        .iter()
        .filter(|(k, _)| short.starts_with(k))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ModelId {
        s.parse().unwrap()
    }

    #[test]
    fn lookup_order() {
        let mut t = PriceTable::default();
        assert_eq!(t.price(&id("openai:gpt-5-mini-2025-08-07")), t.price(&id("openai:gpt-5-mini")));
        assert_eq!(t.price(&id("openrouter:openai/gpt-5")), t.price(&id("openai:gpt-5")));
        assert_ne!(t.price(&id("openai:gpt-5-mini")), t.price(&id("openai:gpt-5")));
        assert_eq!(t.price(&id("openai:unknown-model")), None);
        assert_eq!(
            t.cost(
                &id("ollama:llama3"),
                &Usage { prompt_tokens: 10, completion_tokens: 10, cached_tokens: 0 }
            ),
            Some(0.0)
        );
        t.insert("azure:my-deployment", Price::new(1.0, 0.5, 2.0));
        assert!(t.price(&id("azure:my-deployment")).is_some());
        assert!(t.price(&id("openai:my-deployment")).is_none());
    }

    #[test]
    fn prefix_lookup_agrees_with_a_scan_of_every_key() {
        let mut table = PriceTable::default();
        table.insert("gpt-5-m", Price::new(9.0, 9.0, 9.0));
        table.insert("openai:gpt-5-mini-x", Price::new(8.0, 8.0, 8.0));
        table.insert("g", Price::new(7.0, 7.0, 7.0));
        let scan = |name: &str| {
            let short = name.rsplit('/').next().unwrap_or(name);
            table
                .prices
                .iter()
                .filter(|(k, _)| {
                    !k.contains(':')
                        && (short.starts_with(k.as_str()) || name.starts_with(k.as_str()))
                })
                .max_by_key(|(k, _)| k.len())
                .map(|(_, p)| *p)
        };
        for name in [
            "gpt-5-mini-2025-08-07",
            "gpt-5-nano",
            "gpt-5-m",
            "gpt-5-mx",
            "gpt-4o-mini-tts",
            "gemini-2.5-flash-lite-preview",
            "openai/gpt-5-mini",
            "anthropic/claude-sonnet-4-5",
            "gz",
            "zzz",
            "claude-3-5-haiku-latest",
            "a",
        ] {
            assert_eq!(table.price(&id(&format!("openrouter:{name}"))), scan(name), "{name}");
        }
        table.insert("", Price::new(1.0, 1.0, 1.0));
        assert_eq!(table.price(&id("openrouter:zzz")), Some(Price::new(1.0, 1.0, 1.0)));
    }

    #[test]
    fn cost_counts_cached_tokens_at_their_rate() {
        let p = Price::new(1.0, 0.1, 10.0);
        let u =
            Usage { prompt_tokens: 1_000_000, completion_tokens: 100_000, cached_tokens: 400_000 };
        let cost = p.cost(&u);
        assert!((cost - (0.6 + 0.04 + 1.0)).abs() < 1e-9, "{cost}");
        // cached larger than prompt (a confused provider) is clamped
        let u = Usage { prompt_tokens: 10, completion_tokens: 0, cached_tokens: 50 };
        assert!((p.cost(&u) - 10.0 * 0.1 / 1e6).abs() < 1e-12);
    }

    #[test]
    fn overrides_from_files() {
        let dir = std::env::temp_dir().join(format!("rlm-prices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = dir.join("p.json");
        std::fs::write(&json, r#"{"gpt-5": {"input_per_mtok": 9, "output_per_mtok": 99}}"#)
            .unwrap();
        let t = PriceTable::with_overrides_from_file(&json).unwrap();
        assert_eq!(t.price(&id("openai:gpt-5")).unwrap().input_per_mtok, 9.0);
        assert!(t.price(&id("openai:gpt-5-mini")).is_some());
        let toml_path = dir.join("p.toml");
        std::fs::write(&toml_path, "[my-model]\ninput_per_mtok = 1.5\noutput_per_mtok = 3\n")
            .unwrap();
        let t = PriceTable::with_overrides_from_file(&toml_path).unwrap();
        assert_eq!(t.price(&id("vllm2:my-model")).unwrap().output_per_mtok, 3.0);
        std::fs::write(&json, "{not json").unwrap();
        assert!(matches!(
            PriceTable::with_overrides_from_file(&json),
            Err(AdapterError::Config(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn context_windows() {
        assert_eq!(known_context_window("gpt-5-mini"), Some(400_000));
        assert_eq!(known_context_window("claude-sonnet-4-5"), Some(200_000));
        assert_eq!(known_context_window("openai/gpt-4o-mini"), Some(128_000));
        assert_eq!(known_context_window("qwen2.5-coder"), None);
    }
}
