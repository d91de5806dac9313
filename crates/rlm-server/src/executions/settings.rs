//! A session's settings as rlm-core's, for one execution: its own budget
//! values (merged over the server's by rlm-core's one constructor,
//! `Rlm::from_config`) and its cumulative budget.

use rlm_core::{BudgetOverrides, SessionLimits};

use super::Executions;
use crate::store::SessionOverrides;

impl Executions {
    /// The session's settings as rlm-core's: its cumulative budget and how
    /// it runs (each execution's budget is the engine's: see
    /// [`session_budget`]). rlm-core keeps no execution records in the
    /// state: the store keeps them, with their traces. The root model's
    /// reply is streamed (token frames) only for an execution a stream may
    /// follow (`announced`): no one reads an unannounced one's tokens, and
    /// streaming them was a twentieth of the README demo's time.
    pub(super) fn core_settings(
        &self,
        settings: &SessionOverrides,
        name: Option<&str>,
        announced: bool,
    ) -> rlm_core::SessionSettings {
        rlm_core::SessionSettings {
            name: name.unwrap_or_default().to_string(),
            limits: cumulative_limits(settings),
            keep_executions: 0,
            stream_root: announced,
            ..rlm_core::SessionSettings::default()
        }
    }
}

/// The budget values a session sets for each of its executions (the
/// server's own, `ServerLimits::execution`, where it sets none: the
/// engine's merge).
pub(super) fn session_budget(settings: &SessionOverrides) -> BudgetOverrides {
    BudgetOverrides {
        max_steps: settings.max_steps,
        max_subcalls: settings.max_subcalls,
        max_depth: settings.max_depth,
        ..BudgetOverrides::default()
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
