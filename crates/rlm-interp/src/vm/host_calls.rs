//! The host calls a session has out: each gets an id when a task makes it,
//! is handed to the embedder (and pays its fuel) when every task waits on
//! the host, and is answered by id; the answers wake their tasks.

use std::collections::HashMap;

use crate::fault::PendingCall;
use crate::host::{HostCall, HostError};
use crate::limits::{LimitError, LimitKind};
use crate::meter::Meter;
use crate::value::Value;

/// Who waits for a host call's answer: the task's slot and generation, and
/// the slot of the answer among the task's calls.
pub(super) type Waiter = (usize, u64, usize);

/// The host calls out and the answers not yet delivered to their tasks.
pub(crate) struct HostCalls {
    /// A host call's id: who waits for its answer.
    pub(super) pending: HashMap<u64, Waiter>,
    /// A host call's id: the call as the embedder sees it.
    pub(super) calls: HashMap<u64, HostCall>,
    /// The answers the embedder gave, by id, until the program resumes.
    pub(super) answered: HashMap<u64, Result<Value, HostError>>,
    /// The next call's id.
    pub(super) next_id: u64,
    /// Host calls with an id below this have paid their fuel
    /// ([`HostCalls::charge`]).
    pub(super) paid: u64,
}

impl Default for HostCalls {
    fn default() -> Self {
        HostCalls {
            pending: HashMap::new(),
            calls: HashMap::new(),
            answered: HashMap::new(),
            next_id: 1,
            paid: 1,
        }
    }
}

impl HostCalls {
    /// Task `t` of generation `era` made call `c`, its answer going to `slot`.
    pub(super) fn register(&mut self, t: usize, era: u64, slot: usize, c: PendingCall) {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, (t, era, slot));
        self.calls.insert(id, HostCall { id, name: c.name, args: c.args, kwargs: c.kwargs });
    }

    /// Keeps the embedder's answer to call `id`; false if no such call is out.
    pub(crate) fn answer(&mut self, id: u64, result: Result<Value, HostError>) -> bool {
        if self.pending.contains_key(&id) {
            self.answered.insert(id, result);
            true
        } else {
            false
        }
    }

    /// The answers given, in the order of their calls, each with its task's
    /// slot and generation and its answer's slot; the calls are no longer out.
    pub(super) fn take_answers(&mut self) -> Vec<(Waiter, Result<Value, HostError>)> {
        let mut ids: Vec<u64> = self.answered.keys().copied().collect();
        ids.sort_unstable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(result) = self.answered.remove(&id) else { continue };
            self.calls.remove(&id);
            let Some(to) = self.pending.remove(&id) else { continue };
            out.push((to, result));
        }
        out
    }

    /// The ids of the calls out, in order.
    pub(crate) fn pending_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.pending.keys().copied().collect();
        v.sort();
        v
    }

    /// The calls out, in the order of their ids.
    pub(super) fn pending_calls(&self) -> Vec<HostCall> {
        self.pending_ids().into_iter().filter_map(|id| self.calls.get(&id).cloned()).collect()
    }

    /// Task `t` of generation `era` no longer waits for its calls (one failed).
    pub(super) fn forget_task(&mut self, t: usize, era: u64) {
        self.pending.retain(|_, (pt, pg, _)| (*pt, *pg) != (t, era));
    }

    /// No call out and no answer kept (a new cell, a rollback): the answers'
    /// values, for the caller to release.
    pub(super) fn clear(&mut self) -> Vec<Value> {
        self.pending.clear();
        self.calls.clear();
        self.answered.drain().filter_map(|(_, r)| r.ok()).collect()
    }

    /// Charges the fuel of the host calls in `calls` not paid for yet (each
    /// call pays once, the first time it is handed to the host): the host's
    /// fixed work per call and its work per byte of the call's text
    /// ([`crate::call_cost::host_call_fuel`]: every string and item, at
    /// any depth). A fan-out of calls, or calls on
    /// big prompts, thus cost the program what they cost the host.
    pub(super) fn charge(
        &mut self,
        meter: &mut Meter,
        calls: &[HostCall],
    ) -> Result<(), LimitError> {
        let paid = self.paid;
        let mut due = 0u64;
        for c in calls.iter().filter(|c| c.id >= paid) {
            // Each walk stops once the program could not pay for it.
            let left = meter.limits.fuel.saturating_sub(meter.fuel_used.saturating_add(due));
            let this = crate::call_cost::host_call_fuel(&c.args, &c.kwargs, left);
            due = due.saturating_add(this);
            if this > left {
                break;
            }
        }
        self.paid = self.next_id;
        // Charged as the dispatch loop charges (the checkpoint is re-armed
        // when the calls' answers resume the run).
        meter.fuel_used = meter.fuel_used.saturating_add(due);
        if meter.fuel_used > meter.limits.fuel {
            return Err(LimitError::new(
                LimitKind::Fuel,
                format!("the program ran out of fuel ({} steps)", meter.limits.fuel),
            ));
        }
        Ok(())
    }
}
