//! What the VM checks beyond its meter (`crate::meter`): the output cap,
//! and a host call's answer against the memory budget.

use crate::fault::{Fault, R};
use crate::limits::{LimitError, LimitKind};
use crate::vm::Vm;

impl Vm {
    /// A host call's answer was just charged to this VM's account (`adopt`):
    /// the budget is checked now, before the program holds the value, so an
    /// answer too large for it (a retrieval with a large `k`, a long reply)
    /// ends the program with the memory error instead of leaving the heap
    /// over the budget until the next sync. A limit hit here is reported
    /// when the program resumes (and rolls the cell back).
    pub(crate) fn check_answer_memory(&mut self) {
        if self.meter.account.live() <= self.meter.limits.memory_bytes {
            return;
        }
        if let Err(Fault::Limit(l)) = self.meter.sync_memory(0) {
            self.pending_limit = Some(l);
        }
    }

    pub(crate) fn write_output(&mut self, s: &str) -> R<()> {
        self.output_total += s.len();
        if self.output_total > self.meter.limits.max_output_bytes {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Output,
                format!(
                    "output limit exceeded ({} bytes per run)",
                    self.meter.limits.max_output_bytes
                ),
            )));
        }
        // A copy into the output buffer as it grows, at the rate of
        // writing text (at `COPY`'s, `print(X)` of 8 MB ran 4.8x the
        // loop's time a unit: issue #77).
        self.meter.charge_work(crate::cost::ESCAPE, 0, s.len())?;
        self.output.push_str(s);
        Ok(())
    }
}
