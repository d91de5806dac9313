//! Small text helpers the helps share with the loop.

/// `s` without one pair of surrounding quotes (`'`, `"`, or triple quotes).
pub fn strip_quotes(s: &str) -> String {
    let t = s.trim();
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if t.len() >= 2 * q.len() && t.starts_with(q) && t.ends_with(q) {
            return t[q.len()..t.len() - q.len()].to_string();
        }
    }
    t.to_string()
}
