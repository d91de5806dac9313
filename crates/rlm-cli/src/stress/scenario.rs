//! Stress scenarios: which faults are injected in front of the models, how
//! many runs, how many at once. The defaults are Enzu's (baseline, 50% 429s,
//! 2–5 s latency, a burst of 10 concurrent runs, mixed chaos); `--mix` adds
//! any other from the command line.

use rlm_core::adapters::{AdapterErrorKind, Fault, FaultRule};

use crate::exit::CliError;

/// One scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub runs: usize,
    /// Runs in flight at once.
    pub concurrency: usize,
    /// Faults in front of the root model and the sub-model alike.
    pub rules: Vec<FaultRule>,
}

/// The names of the default scenarios, in order.
pub const DEFAULT_SCENARIOS: [&str; 5] =
    ["baseline", "rate_limit_50", "latency_2_5s", "burst_10", "chaos"];

/// A default scenario by name, with `runs` runs (the burst runs 10 at once
/// whatever `runs` says about the others). Latencies are multiplied by
/// `latency_scale` (tests run the same scenarios a thousand times faster).
pub fn default_scenario(name: &str, runs: usize, latency_scale: f64) -> Option<Scenario> {
    let latency = |min_ms: u64, max_ms: u64| Fault::Latency {
        min_ms: scale(min_ms, latency_scale),
        max_ms: scale(max_ms, latency_scale),
    };
    let (concurrency, runs, rules) = match name {
        "baseline" => (1, runs, vec![]),
        "rate_limit_50" => (
            1,
            runs,
            vec![FaultRule::with_probability(Fault::RateLimit { retry_after_ms: None }, 0.5)],
        ),
        "latency_2_5s" => (5, runs, vec![FaultRule::with_probability(latency(2000, 5000), 1.0)]),
        "burst_10" => (10, 10, vec![]),
        "chaos" => (
            4,
            runs,
            vec![
                FaultRule::with_probability(Fault::RateLimit { retry_after_ms: None }, 0.2),
                FaultRule::with_probability(
                    Fault::Error { kind: AdapterErrorKind::Server, message: "injected 503".into() },
                    0.1,
                ),
                FaultRule::with_probability(Fault::TruncatedBody, 0.05),
                FaultRule::with_probability(latency(200, 1500), 0.3),
            ],
        ),
        _ => return None,
    };
    Some(Scenario { name: name.to_string(), runs, concurrency, rules })
}

fn scale(ms: u64, by: f64) -> u64 {
    (ms as f64 * by).round() as u64
}

/// A scenario from `--mix`: comma-separated `key=value`: `name`, `runs`,
/// `concurrency`, `rate_limit` (probability of a 429), `error` (of a 503),
/// `truncated` (of a broken body), `latency` (`MIN-MAX` ms, on every call).
pub fn parse_mix(
    spec: &str,
    default_runs: usize,
    latency_scale: f64,
) -> Result<Scenario, CliError> {
    let bad = |why: String| CliError::Config(format!("--mix {spec:?}: {why}"));
    let mut scenario =
        Scenario { name: "mix".into(), runs: default_runs, concurrency: 1, rules: Vec::new() };
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) =
            part.split_once('=').ok_or_else(|| bad(format!("{part:?} is not key=value")))?;
        let number =
            |v: &str| v.parse::<f64>().map_err(|_| bad(format!("{key}: {v:?} is not a number")));
        let probability = |v: &str| {
            let p = number(v)?;
            if (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(bad(format!("{key}: {p} is not in 0..1")))
            }
        };
        let count = |v: &str| match v.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(format!("{key}: {v:?} is not a positive whole number"))),
        };
        match key {
            "name" => scenario.name = value.to_string(),
            "runs" => scenario.runs = count(value)?,
            "concurrency" => scenario.concurrency = count(value)?,
            "rate_limit" => scenario.rules.push(FaultRule::with_probability(
                Fault::RateLimit { retry_after_ms: None },
                probability(value)?,
            )),
            "error" => scenario.rules.push(FaultRule::with_probability(
                Fault::Error { kind: AdapterErrorKind::Server, message: "injected 503".into() },
                probability(value)?,
            )),
            "truncated" => scenario
                .rules
                .push(FaultRule::with_probability(Fault::TruncatedBody, probability(value)?)),
            "latency" => {
                let (lo, hi) = value
                    .split_once('-')
                    .ok_or_else(|| bad(format!("latency: {value:?} is not MIN-MAX")))?;
                let (lo, hi) = (number(lo)? as u64, number(hi)? as u64);
                if lo > hi {
                    return Err(bad(format!("latency: {lo} is above {hi}")));
                }
                scenario.rules.push(FaultRule::with_probability(
                    Fault::Latency {
                        min_ms: scale(lo, latency_scale),
                        max_ms: scale(hi, latency_scale),
                    },
                    1.0,
                ));
            }
            other => {
                return Err(bad(format!(
                    "unknown key {other:?} (name, runs, concurrency, rate_limit, error, truncated, latency)"
                )));
            }
        }
    }
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_mixes() {
        for name in DEFAULT_SCENARIOS {
            assert!(default_scenario(name, 7, 1.0).is_some(), "{name}");
        }
        assert_eq!(default_scenario("burst_10", 7, 1.0).unwrap().concurrency, 10);
        assert_eq!(default_scenario("burst_10", 7, 1.0).unwrap().runs, 10);
        assert!(default_scenario("nope", 7, 1.0).is_none());
        let lat = default_scenario("latency_2_5s", 3, 0.001).unwrap();
        assert_eq!(lat.rules[0].fault, Fault::Latency { min_ms: 2, max_ms: 5 });
        let mix =
            parse_mix("name=hot, runs=3, concurrency=2, rate_limit=0.3, latency=100-200", 9, 1.0)
                .unwrap();
        assert_eq!(
            (mix.name.as_str(), mix.runs, mix.concurrency, mix.rules.len()),
            ("hot", 3, 2, 2)
        );
        assert!(parse_mix("rate_limit=2", 9, 1.0).is_err());
        assert!(parse_mix("latency=5-1", 9, 1.0).is_err());
        assert!(parse_mix("colour=red", 9, 1.0).unwrap_err().to_string().contains("unknown key"));
    }
}
