//! What the VM checks beyond its meter (`crate::meter`): the output cap,
//! and a host call's answer against the memory budget; and where the last
//! limit stopped the program, for the error the embedder sees.

use crate::fault::{Fault, R};
use crate::limits::{LimitError, LimitKind};
use crate::meter::Meter;

/// What a cell gives back besides its value: the text it printed, and the
/// limit that stopped it (one found outside its steps, waiting to be
/// reported, and where the program was then).
#[derive(Default)]
pub(crate) struct Output {
    /// What the program printed and the embedder has not taken yet.
    pub(crate) text: String,
    /// The bytes printed this cell, against `max_output_bytes`.
    pub(crate) total: usize,
    /// A limit reached outside the program's own steps (a host call's
    /// answer or the host's bytes past the memory budget): reported, and
    /// the cell rolled back, when the program resumes.
    pub(crate) pending_limit: Option<LimitError>,
    /// Where the program was when the last limit stopped it (function,
    /// line), outermost first, and the bytes live then.
    pub(crate) stop_traceback: Vec<(String, u32)>,
    pub(crate) stop_memory: usize,
}

impl Output {
    /// A host call's answer was just charged to `meter`'s account (`adopt`):
    /// the budget is checked now, before the program holds the value, so an
    /// answer too large for it (a retrieval with a large `k`, a long reply)
    /// ends the program with the memory error instead of leaving the heap
    /// over the budget until the next sync. A limit hit here is reported
    /// when the program resumes (and rolls the cell back).
    pub(crate) fn check_answer_memory(&mut self, meter: &mut Meter) {
        if meter.account.live() <= meter.limits.memory_bytes {
            return;
        }
        if let Err(Fault::Limit(l)) = meter.sync_memory(0) {
            self.pending_limit = Some(l);
        }
    }

    /// Prints `s`, charged to `meter`, within the output cap.
    pub(crate) fn write(&mut self, meter: &mut Meter, s: &str) -> R<()> {
        self.total += s.len();
        if self.total > meter.limits.max_output_bytes {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Output,
                format!("output limit exceeded ({} bytes per run)", meter.limits.max_output_bytes),
            )));
        }
        // A copy into the output buffer as it grows, at the rate of
        // writing text (at `COPY`'s, `print(X)` of 8 MB ran 4.8x the
        // loop's time a unit: issue #77).
        meter.charge_work(crate::cost::ESCAPE, 0, s.len())?;
        self.text.push_str(s);
        Ok(())
    }
}
