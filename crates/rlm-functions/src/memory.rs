//! `memory`: a dict the program sees that persists across runs of one `Rlm`
//! (a session), behind a store trait so it can live in memory or on disk.

use std::sync::Mutex;

/// The persisted contents of `memory`: a JSON object.
pub type MemoryMap = serde_json::Map<String, serde_json::Value>;

/// Where `memory` lives between runs.
pub trait MemoryStore: Send + Sync {
    /// The dict at the start of a run (empty the first time).
    fn load(&self) -> MemoryMap;
    /// The dict at the end of a run.
    fn save(&self, memory: MemoryMap);
}

/// Keeps `memory` in this process.
#[derive(Debug, Default)]
pub struct InMemoryStore(Mutex<MemoryMap>);

impl MemoryStore for InMemoryStore {
    fn load(&self) -> MemoryMap {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn save(&self, memory: MemoryMap) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = memory;
    }
}
