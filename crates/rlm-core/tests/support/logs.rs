//! A service log like the benchmark's, generated with a fixed seed, and the
//! oracle that counts its lines by plain string comparison.

/// A service log like the benchmark's, but generated here: `days` days of
/// events, each line `time | level | service | event | user`, with a header.
pub fn service_log(days: u32) -> String {
    let events = ["LOGIN_OK", "LOGIN_FAILED", "UPLOAD_OK", "PAYMENT_FAILED", "CACHE_MISS"];
    let services = ["auth", "billing", "search"];
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut out = String::from(
        "# export of service events; columns: time | level | service | event | user\n",
    );
    for day in 1..=days {
        for slot in 0..6 {
            let event = events[next(events.len() as u64) as usize];
            let level = if event.ends_with("FAILED") { "ERROR" } else { "INFO" };
            out.push_str(&format!(
                "2026-03-{day:02}T{:02}:{:02}:00Z | {level} | {} | {event} | u{}\n",
                slot * 4,
                next(60),
                services[next(3) as usize],
                1000 + next(9000)
            ));
        }
    }
    out
}

/// Lines of `log` with `event` dated from `lo` to `hi` (ISO days, both
/// included), counted by plain string comparison: the oracle.
pub fn truth(log: &str, event: &str, lo: &str, hi: &str) -> usize {
    log.lines()
        .filter(|l| l.starts_with("2026") && l.contains(&format!("| {event} |")))
        .filter(|l| (lo..=hi).contains(&&l[..10]))
        .count()
}
