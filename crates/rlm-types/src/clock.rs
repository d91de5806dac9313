//! The one wall clock of the workspace: microseconds since the Unix epoch,
//! injectable so that tests and replays control time ([`ManualClock`]); and a
//! run's own monotonic clock ([`RunClock`]), which a replay moves forward to
//! the times its recording holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// A run's monotonic clock: the time since it was started ([`RunClock::start`]),
/// read by the run's budgets (its wall-time limit, the time left for a call).
/// A recording writes each exchange's time on it; a replay moves it forward to
/// those times as it answers ([`RunClock::advance_to`]), so that every decision
/// the run made by the clock (to close early, that the time was up) is made
/// again at the same point, although the replayed calls take no time. Clones
/// share one clock.
#[derive(Debug, Clone)]
pub struct RunClock(Arc<RunClockState>);

#[derive(Debug)]
struct RunClockState {
    started: Mutex<Instant>,
    /// How far the clock runs ahead of the real time since `started`.
    ahead_ns: AtomicU64,
}

impl Default for RunClock {
    fn default() -> Self {
        RunClock(Arc::new(RunClockState {
            started: Mutex::new(Instant::now()),
            ahead_ns: AtomicU64::new(0),
        }))
    }
}

impl RunClock {
    /// Starts the clock again from zero (a run begins).
    pub fn start(&self) {
        *self.0.started.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.0.ahead_ns.store(0, Ordering::SeqCst);
    }

    fn started(&self) -> Instant {
        *self.0.started.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The clock's now: the real instant, moved forward as far as the clock runs ahead.
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_nanos(self.0.ahead_ns.load(Ordering::SeqCst))
    }

    /// The time since the clock was started.
    pub fn elapsed(&self) -> Duration {
        self.now().saturating_duration_since(self.started())
    }

    /// The clock's time since `instant` (one of its own [`RunClock::now`]s).
    pub fn since(&self, instant: Instant) -> Duration {
        self.now().saturating_duration_since(instant)
    }

    /// Moves the clock forward to `at` since its start, if it is not there
    /// yet (never backwards).
    pub fn advance_to(&self, at: Duration) {
        let real = self.started().elapsed();
        let ahead = u64::try_from(at.saturating_sub(real).as_nanos()).unwrap_or(u64::MAX);
        self.0.ahead_ns.fetch_max(ahead, Ordering::SeqCst);
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

    #[test]
    fn a_run_clock_moves_forward_when_told_and_never_back() {
        let c = RunClock::default();
        c.start();
        c.advance_to(Duration::from_secs(100));
        let at = c.elapsed();
        assert!(at >= Duration::from_secs(100) && at < Duration::from_secs(101), "{at:?}");
        c.advance_to(Duration::from_secs(50));
        assert!(c.elapsed() >= at, "never backwards");
        let shared = c.clone();
        shared.start();
        assert!(c.elapsed() < Duration::from_secs(1), "clones share one clock");
    }
}
