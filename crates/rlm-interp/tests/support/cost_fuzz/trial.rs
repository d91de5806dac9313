//! One trial of the cost fuzzer (issue #77): a probe's call on a shape's
//! input, in a fresh session under limits that stop any runaway (fuel,
//! memory, and a wall-clock deadline checked between fuel units), with its
//! time, the fuel it was charged, the heap's peak above what was held
//! before the call and the bytes the memory meter charged.

use std::rc::Rc;
use std::time::{Duration, Instant};

use rlm_interp::{ErrorKind, HostStop, Interpreter, LimitKind, Limits, Outcome};

use super::probes::Probe;
use super::shape::Shape;

/// The limits a trial's call runs under.
#[derive(Clone, Debug)]
pub struct TrialLimits {
    pub fuel: u64,
    pub memory_bytes: usize,
    /// Checked every `deadline_every` fuel units: a builtin that charges
    /// nothing is not stopped by it (the shape's size caps bound it).
    pub deadline: Duration,
}

impl Default for TrialLimits {
    fn default() -> Self {
        TrialLimits { fuel: 20_000_000, memory_bytes: 64 << 20, deadline: Duration::from_secs(3) }
    }
}

/// The fuel the setup may use to build `X` (not timed).
const SETUP_FUEL: u64 = 400_000_000;

/// How a trial's call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Ran to its end (an exception it raised was caught: a result too).
    Done,
    /// A limit stopped it (counted, with the fuel it had used).
    Limit(LimitKind),
}

impl End {
    pub fn name(self) -> &'static str {
        match self {
            End::Done => "done",
            End::Limit(k) => k.name(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Trial {
    pub end: End,
    pub ns: u64,
    pub fuel: u64,
    /// The heap's peak during the call above what was held before it.
    pub peak_bytes: u64,
    /// What the memory meter charged for the call: the most its count
    /// reached during the call (`Interpreter::peak_memory_bytes`: a charge
    /// released before the call returned, a sort's keys or a journal kept
    /// for rollback, counts while it lived, and the mark outlives the
    /// rollback of a call any limit stopped), or the budget when the memory
    /// limit stopped it, less the count before.
    pub charged_bytes: u64,
}

/// The fuel below which a trial's time is divided by this floor instead: a
/// cell's own parse and dispatch would otherwise dominate tiny inputs.
pub const FUEL_FLOOR: u64 = 100_000;
/// The charge below which a trial's peak is divided by this floor instead.
pub const BYTES_FLOOR: u64 = 1 << 20;

impl Trial {
    /// Nanoseconds per fuel unit (the fuel floored).
    pub fn ns_per_unit(&self) -> f64 {
        self.ns as f64 / self.fuel.max(FUEL_FLOOR) as f64
    }

    /// Peak heap bytes per byte charged (the charge floored), however the
    /// call ended: the meter's high-water mark survives a limit's rollback,
    /// so the charge is known for every end (read only for `done` and
    /// `memory` ends before, a record re-measured on newer code that now
    /// ends on fuel kept its old figures: `re.compile` at 364x).
    pub fn mem_ratio(&self) -> f64 {
        self.peak_bytes as f64 / self.charged_bytes.max(BYTES_FLOOR) as f64
    }
}

/// Measures the heap's peak (above what it held before) while `f` runs;
/// the fuzzer's counting allocator provides it, or `|f| { f(); 0 }`.
pub type PeakFn = fn(&mut dyn FnMut()) -> u64;

/// Runs the probe on the shape once; `None` if the setup could not build
/// its input (an unhashable element, a limit) or the call suspended.
pub fn run_trial(probe: &Probe, shape: &Shape, lim: &TrialLimits, peak: PeakFn) -> Option<Trial> {
    let mut s = Interpreter::new(Limits {
        fuel: SETUP_FUEL,
        memory_bytes: lim.memory_bytes,
        ..Limits::default()
    });
    if !matches!(s.run_cell(&probe.setup_source(shape)), Outcome::Done) {
        return None;
    }
    s.set_fuel_limit(lim.fuel);
    let start = Instant::now();
    let deadline = lim.deadline;
    s.set_interrupt_check(Some((
        50_000,
        Rc::new(move || (start.elapsed() > deadline).then_some(HostStop::Deadline)),
    )));
    let before = s.synced_memory_bytes();
    s.reset_peak_memory();
    let code = probe.call_source(shape);
    let mut outcome = None;
    let t = Instant::now();
    let peak_bytes = peak(&mut || outcome = Some(s.run_cell(&code)));
    let ns = t.elapsed().as_nanos() as u64;
    let (end, fuel, live) = match outcome? {
        Outcome::Done | Outcome::Final(_) => {
            let live = s.synced_memory_bytes();
            (End::Done, s.fuel_used(), live.max(s.peak_memory_bytes()))
        }
        Outcome::Error(e) => match (e.kind, e.stop) {
            // A memory stop: the meter had charged up to its limit (the
            // live count at the stop lags behind a container still growing).
            (ErrorKind::Limit(LimitKind::Memory), Some(stop)) => (
                End::Limit(LimitKind::Memory),
                stop.fuel_used,
                stop.memory_limit.max(stop.memory_bytes).max(s.peak_memory_bytes()),
            ),
            (ErrorKind::Limit(k), Some(stop)) => {
                (End::Limit(k), stop.fuel_used, stop.memory_bytes.max(s.peak_memory_bytes()))
            }
            (ErrorKind::Limit(k), None) => (End::Limit(k), s.fuel_used(), s.peak_memory_bytes()),
            // The call is wrapped in `try`: only a syntax error lands here.
            _ => return None,
        },
        Outcome::Suspended(_) => return None,
    };
    let charged_bytes = live.saturating_sub(before);
    drop(s);
    Some(Trial { end, ns, fuel, peak_bytes, charged_bytes })
}

/// The dispatch loop's own time per fuel unit (`for i in range(n): pass`),
/// the best of `runs`.
pub fn loop_ns_per_unit(runs: u32) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        let mut s = Interpreter::new(Limits { fuel: u64::MAX / 4, ..Limits::default() });
        let _ = s.run_cell("n = 2_000_000");
        let t = Instant::now();
        let _ = s.run_cell("for i in range(n):\n    pass");
        let ns = t.elapsed().as_nanos() as f64;
        best = best.min(ns / s.fuel_used().max(1) as f64);
    }
    best
}
