//! A session's settings as the API takes them ([`SessionOverrides`]), with
//! the ranges its deserializer holds them to.

use serde::{Deserialize, Serialize};

/// Per-session settings: models and budgets. `None` means the server's
/// default. A request naming a field not listed here (`max_step`,
/// `timeout_sec`) or a value out of its range is refused (422, naming the
/// field): the ranges below are the schema's `minimum`/`maximum` and what
/// the deserializer accepts (a test holds the two together); the server's
/// own ceilings (its execution time limit, its operator's budgets) are
/// checked when a session is created or updated, and written into the
/// OpenAPI document it serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SessionSettings)]
pub struct SessionOverrides {
    /// Root model (`provider:model`, or `scripted` for the offline script).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub model: Option<String>,
    /// Sub-model for `llm_query` and friends.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub sub_model: Option<String>,
    /// Per execution: root-loop steps.
    #[serde(default, deserialize_with = "whole::Range::<1, 100_000>::opt_u64")]
    #[schema(minimum = 1, maximum = 100_000)]
    pub max_steps: Option<u64>,
    /// Per execution: sub-model calls.
    #[serde(default, deserialize_with = "whole::Range::<0, 10_000_000>::opt_u64")]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub max_subcalls: Option<u64>,
    /// Per execution: sub-RLM depth.
    #[serde(default, deserialize_with = "whole::Range::<0, 10>::opt_u32")]
    #[schema(minimum = 0, maximum = 10)]
    pub max_depth: Option<u32>,
    /// Per execution: wall time in seconds (at most the server's limit, which
    /// the served document states as this field's `maximum`).
    #[serde(default, deserialize_with = "whole::Range::<1, 604_800>::opt_u64")]
    #[schema(minimum = 1, maximum = 604_800)]
    pub timeout_secs: Option<u64>,
    /// The whole session, across executions (Enzu's `Session(max_tokens)`).
    #[serde(default, deserialize_with = "whole::Range::<0, 9_007_199_254_740_991>::opt_u64")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub max_total_tokens: Option<u64>,
    /// The whole session, across executions (Enzu's `Session(max_cost_usd)`).
    #[serde(default, deserialize_with = "whole::opt_cost")]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub max_total_cost_usd: Option<f64>,
    /// The whole session, across executions: model calls, root and sub.
    #[serde(default, deserialize_with = "whole::Range::<0, 9_007_199_254_740_991>::opt_u64")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub max_total_calls: Option<u64>,
}

/// `settings` as a JSON object or null: serde's derived structs also take an
/// array of their fields in order (`[null, 5]`), which no schema describes.
pub fn settings_object<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SessionOverrides>, D::Error> {
    struct ObjectOrNull;
    impl<'de> serde::de::Visitor<'de> for ObjectOrNull {
        type Value = Option<SessionOverrides>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of settings, or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(ObjectOrNull)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            SessionOverrides::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(Some)
        }
    }
    d.deserialize_option(ObjectOrNull)
}

/// Numbers within a range. Whole numbers written as JSON floats (`5.0`) are
/// whole numbers: JSON Schema's `integer` allows them, so clients and
/// generators send them. Out of range (`2^64` included, which JSON parsers
/// read as a float) is an error naming the range.
mod whole {
    use serde::{Deserialize, Deserializer, de::Error};

    fn whole(value: Option<serde_json::Number>, min: u64, max: u64) -> Result<Option<u64>, String> {
        let Some(n) = value else { return Ok(None) };
        let out_of_range = || format!("{n} is not a whole number from {min} to {max}");
        let v = match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => v,
            // Below 2^64 (`u64::MAX as f64` rounds up to it), so the cast is exact enough
            // for the range check that follows.
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => f as u64,
            _ => return Err(out_of_range()),
        };
        if v < min || v > max {
            return Err(out_of_range());
        }
        Ok(Some(v))
    }

    /// The range `MIN..=MAX`, for `deserialize_with` paths.
    pub struct Range<const MIN: u64, const MAX: u64>;

    impl<const MIN: u64, const MAX: u64> Range<MIN, MAX> {
        pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            whole(Option::deserialize(d)?, MIN, MAX).map_err(D::Error::custom)
        }

        pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
            whole(Option::deserialize(d)?, MIN, MAX)
                .map(|v| v.and_then(|v| u32::try_from(v).ok()))
                .map_err(D::Error::custom)
        }
    }

    /// A spend ceiling in US dollars: from 0 to a billion.
    pub fn opt_cost<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        let Some(v) = Option::<f64>::deserialize(d)? else { return Ok(None) };
        if !(0.0..=1e9).contains(&v) {
            return Err(D::Error::custom(format!("{v} is not an amount from 0 to 1000000000")));
        }
        Ok(Some(v))
    }
}
