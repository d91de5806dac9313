//! The machine's Redis, as `redis` probes see it.

use super::*;

/// The knob test's database of the machine's Redis: its `redis` probes'
/// keys, each probe's under a prefix of its own, deleted after it.
pub(super) const REDIS_DB: &str = "15";

/// One command to the machine's Redis, in [`REDIS_DB`]: the elements of an
/// array reply, or the reply's one line.
pub(super) fn redis(command: &[&str]) -> Vec<String> {
    let stream = TcpStream::connect("127.0.0.1:6379").expect("the machine's Redis");
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    for args in [&["SELECT", REDIS_DB][..], command] {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        writer.write_all(out.as_bytes()).expect("write to Redis");
    }
    let line = |r: &mut BufReader<TcpStream>| {
        let mut l = String::new();
        r.read_line(&mut l).expect("read from Redis");
        l.trim_end().to_string()
    };
    let selected = line(&mut reader);
    assert_eq!(selected, "+OK", "SELECT {REDIS_DB}");
    let head = line(&mut reader);
    match head.strip_prefix('*') {
        // Each element a bulk string: its length, then itself (keys have no newline).
        Some(n) => (0..n.parse().unwrap_or(0))
            .map(|_| [line(&mut reader), line(&mut reader)][1].clone())
            .collect(),
        None => vec![head],
    }
}

/// The keys a `redis` row's probe in `dir` left under its `expect` (filled),
/// deleted once read, with those of the default prefix (a control run's).
pub(super) fn redis_keys_of(row: &Row, dir: &Path) -> Vec<String> {
    if row.probe != "redis" {
        return Vec::new();
    }
    let prefix = fill(row.expect.as_deref().unwrap_or_default(), dir);
    let keys = redis(&["KEYS", &format!("{prefix}*")]);
    for key in keys.iter().chain(&redis(&["KEYS", "rlm:cache:*"])) {
        redis(&["DEL", key]);
    }
    keys
}
