//! The store's clock: [`Micros`] since the epoch, what every record's time is in.

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// The current time in [`Micros`].
pub fn now_micros() -> Micros {
    chrono::Utc::now().timestamp_micros()
}
