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
/// again at the same point, although the replayed calls take no time. The
/// values a decision is made on, which local work between calls moves by a
/// few milliseconds, go through [`RunClock::decided`]: a recording keeps them
/// and a replay gives them back, so the decision and the words that say it
/// are the recorded ones exactly. Clones share one clock.
#[derive(Debug, Clone)]
pub struct RunClock(Arc<RunClockState>);

#[derive(Debug)]
struct RunClockState {
    started: Mutex<Instant>,
    /// How far the clock runs ahead of the real time since `started`.
    ahead_ns: AtomicU64,
    decisions: Mutex<Decisions>,
}

/// The values decisions were made on, in milliseconds, in order.
#[derive(Debug)]
enum Decisions {
    Live,
    /// Kept until the recording writes them ([`RunClock::take_decided`]).
    Recorded(Vec<u64>),
    /// Given back in the order they were recorded.
    Replayed(std::collections::VecDeque<u64>),
}

impl Default for RunClock {
    fn default() -> Self {
        RunClock(Arc::new(RunClockState {
            started: Mutex::new(Instant::now()),
            ahead_ns: AtomicU64::new(0),
            decisions: Mutex::new(Decisions::Live),
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

    /// A clock that keeps the values decisions are made on (a recording's).
    pub fn recording() -> RunClock {
        let clock = RunClock::default();
        *clock.decisions() = Decisions::Recorded(Vec::new());
        clock
    }

    /// A clock that gives back the values `recorded` kept (a replay's).
    pub fn replaying(recorded: impl IntoIterator<Item = u64>) -> RunClock {
        let clock = RunClock::default();
        *clock.decisions() = Decisions::Replayed(recorded.into_iter().collect());
        clock
    }

    /// Whether it is a replay's, whose clock jumps to recorded times (a wait
    /// on it must watch it, not only real time).
    pub fn is_replay(&self) -> bool {
        matches!(&*self.decisions(), Decisions::Replayed(_))
    }

    fn decisions(&self) -> std::sync::MutexGuard<'_, Decisions> {
        self.0.decisions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value a decision by the clock is made on (the time left, a call's
    /// latency): `value` live, kept by a recording, and the recorded value in
    /// its place in a replay (`value` once the recorded ones are used up).
    pub fn decided(&self, value: Duration) -> Duration {
        let ms = u64::try_from(value.as_millis()).unwrap_or(u64::MAX);
        match &mut *self.decisions() {
            Decisions::Live => value,
            Decisions::Recorded(kept) => {
                kept.push(ms);
                Duration::from_millis(ms)
            }
            Decisions::Replayed(recorded) => {
                recorded.pop_front().map_or(value, Duration::from_millis)
            }
        }
    }

    /// The values a recording's clock kept since the last call (each written
    /// with the exchange after them).
    pub fn take_decided(&self) -> Vec<u64> {
        match &mut *self.decisions() {
            Decisions::Recorded(kept) => std::mem::take(kept),
            Decisions::Live | Decisions::Replayed(_) => Vec::new(),
        }
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

    #[test]
    fn decisions_are_kept_by_a_recording_and_given_back_by_a_replay() {
        let recording = RunClock::recording();
        assert_eq!(
            recording.decided(Duration::from_micros(72_700_400)),
            Duration::from_millis(72_700)
        );
        recording.decided(Duration::from_millis(126_900));
        assert_eq!(recording.take_decided(), vec![72_700, 126_900]);
        assert!(recording.take_decided().is_empty());
        let replay = RunClock::replaying([72_700, 126_900]);
        assert!(replay.is_replay() && !recording.is_replay());
        assert_eq!(replay.decided(Duration::from_millis(72_650)), Duration::from_millis(72_700));
        assert_eq!(replay.decided(Duration::from_millis(127_100)), Duration::from_millis(126_900));
        assert_eq!(replay.decided(Duration::from_secs(3)), Duration::from_secs(3), "used up: live");
        let live = RunClock::default();
        assert_eq!(live.decided(Duration::from_nanos(5)), Duration::from_nanos(5));
    }
}
