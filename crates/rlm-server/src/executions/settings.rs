//! A session's settings as rlm-core's, for one execution: its budget (the
//! server's defaults where the session sets none) and the cumulative one.

use std::time::Duration;

use rlm_core::SessionLimits;

use super::Executions;
use crate::store::SessionOverrides;

impl Executions {
    /// The session's settings as rlm-core's: each execution's budget (the
    /// server's defaults where the session sets none; wall time at most
    /// `deadline`) and the cumulative one. rlm-core keeps no execution
    /// records in the state: the store keeps them, with their traces. The
    /// root model's reply is streamed (token frames) only for an execution
    /// a stream may follow (`announced`): no one reads an unannounced one's
    /// tokens, and streaming them was a twentieth of the README demo's time.
    pub(super) fn core_settings(
        &self,
        settings: &SessionOverrides,
        name: Option<&str>,
        deadline: Duration,
        announced: bool,
    ) -> rlm_core::SessionSettings {
        let defaults = &self.limits.execution;
        let execution = rlm_core::BudgetLimits {
            max_steps: settings.max_steps.or(defaults.max_steps),
            max_subcalls: settings.max_subcalls.or(defaults.max_subcalls),
            max_depth: settings.max_depth.or(defaults.max_depth),
            max_wall_time: Some(defaults.max_wall_time.map_or(deadline, |t| t.min(deadline))),
            ..defaults.clone()
        };
        rlm_core::SessionSettings {
            name: name.unwrap_or_default().to_string(),
            limits: cumulative_limits(settings),
            execution_limits: Some(execution),
            keep_executions: 0,
            stream_root: announced,
            ..rlm_core::SessionSettings::default()
        }
    }
}

/// The session's budget across executions (Enzu's `Session(max_cost_usd,
/// max_tokens)`), as rlm-core enforces it.
pub(super) fn cumulative_limits(settings: &SessionOverrides) -> SessionLimits {
    SessionLimits {
        max_tokens: settings.max_total_tokens,
        max_cost_usd: settings.max_total_cost_usd,
        max_calls: settings.max_total_calls,
        max_executions: None,
    }
}
