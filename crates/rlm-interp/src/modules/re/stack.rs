//! The backtracking engine's own memory, charged before it runs: fancy-regex
//! pushes a branch (24 bytes) for each place it may come back to, one per
//! character a repeat it runs itself takes, into a stack that doubles as it
//! grows (up to its cap of a million branches, past which the search fails),
//! and keeps that stack for the next run of the same compiled tier. Each
//! tier of a search is its own compiled regex with its own stack:
//! `re.fullmatch(r'(?s).*(?=.)', X)` over 0.9 MB ran four tiers and peaked
//! 96 MiB above a charge of nothing (issue #77's fuzzer).

use crate::charged::ScratchCharge;
use crate::fault::R;
use crate::meter::Meter;

/// fancy-regex's cap on its stack (`vm::MAX_STACK`): a run that would push
/// more fails ("Max stack size exceeded").
const MAX_BRANCHES: usize = 1_000_000;

/// Bytes a pushed branch holds: its own (`pc`, `ix`, `nsave`: 24) and the
/// save a capture inside a repeat writes with it (slot and value: 16).
const BYTES_PER_BRANCH: usize = 40;

/// The most one run of a tier over `rest` bytes can hold: a branch per
/// character at most (a byte is at most one), up to the cap, at the
/// doubled capacity the stack reaches.
pub(super) fn stack_bytes(rest: usize) -> usize {
    rest.saturating_add(1).min(MAX_BRANCHES).next_power_of_two().saturating_mul(BYTES_PER_BRANCH)
}

/// Before a tier runs over `rest` bytes: its stack, counted as live with the
/// tiers' before it (each keeps its own) until `held` is dropped, after the
/// search. Checked against the budget as any allocation is.
pub(super) fn charge_tier(meter: &mut Meter, held: &mut Vec<ScratchCharge>, rest: usize) -> R<()> {
    held.push(crate::charged::charge_transient(meter, stack_bytes(rest))?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_is_charged_at_its_doubled_capacity_up_to_the_cap() {
        assert_eq!(stack_bytes(0), BYTES_PER_BRANCH);
        assert_eq!(stack_bytes(919_730), (1 << 20) * BYTES_PER_BRANCH);
        assert_eq!(stack_bytes(50_000_000), (1 << 20) * BYTES_PER_BRANCH);
    }
}
