//! The one wall clock of the workspace: microseconds since the Unix epoch,
//! injectable so that tests and replays control time ([`ManualClock`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in microseconds since the Unix epoch; injectable for tests and replays.
pub trait Clock: Send + Sync {
    fn now_us(&self) -> u64;

    /// The same instant in milliseconds (rounded down).
    fn now_ms(&self) -> u64 {
        self.now_us() / 1_000
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to (deterministic traces and TTLs in tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn new(start_us: u64) -> Self {
        ManualClock(AtomicU64::new(start_us))
    }
    pub fn advance_us(&self, us: u64) {
        self.0.fetch_add(us, Ordering::SeqCst);
    }
    /// Move the clock to this instant (forwards or backwards).
    pub fn set_us(&self, us: u64) {
        self.0.store(us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_500);
        assert_eq!((c.now_us(), c.now_ms()), (1_500, 1));
        c.advance_us(2_000);
        assert_eq!((c.now_us(), c.now_ms()), (3_500, 3));
        c.set_us(7);
        assert_eq!((c.now_us(), c.now_ms()), (7, 0));
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_us() > 1_577_836_800_000_000);
    }
}
