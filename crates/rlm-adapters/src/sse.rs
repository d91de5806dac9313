//! Incremental Server-Sent Events parser: bytes in (split anywhere, even inside
//! a UTF-8 character or a `\r\n`), complete events out.

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if the server sent one (Anthropic does; OpenAI does not).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Feeds on raw chunks; yields events as their blank-line terminators arrive.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(pos) = memchr_newline(&self.pending[start..]) {
            let end = start + pos;
            let mut line = &self.pending[start..end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            let line = String::from_utf8_lossy(line).into_owned();
            start = end + 1;
            if let Some(ev) = self.line(&line) {
                out.push(ev);
            }
        }
        self.pending.drain(..start);
        out
    }

    /// The end of the byte stream. As the SSE specification says, an event
    /// not yet terminated by a blank line is discarded: a body cut mid-event
    /// must not pass half an event on as if it were whole.
    pub fn finish(&mut self) -> Option<SseEvent> {
        self.pending.clear();
        self.event = None;
        self.data = None;
        None
    }

    /// Whether bytes or fields of an unfinished event are buffered.
    pub fn has_partial_event(&self) -> bool {
        !self.pending.is_empty() || self.data.is_some()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // comment / keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            _ => {} // id, retry and unknown fields do not concern completions
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        self.data.take().map(|data| SseEvent { event, data })
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: message_start\r\ndata: {\"a\":1}\r\n\r\n: keep-alive\n\ndata: héllo\ndata: wörld\n\nid: 7\nretry: 10\ndata: [DONE]\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent { event: Some("message_start".into()), data: "{\"a\":1}".into() },
            SseEvent { event: None, data: "héllo\nwörld".into() },
            SseEvent { event: None, data: "[DONE]".into() },
        ]
    }

    #[test]
    fn whole_stream() {
        let mut p = SseParser::new();
        let mut got = p.push(STREAM.as_bytes());
        got.extend(p.finish());
        assert_eq!(got, expected());
    }

    #[test]
    fn every_split_point_and_byte_by_byte() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let mut p = SseParser::new();
            let mut got = p.push(&bytes[..cut]);
            got.extend(p.push(&bytes[cut..]));
            got.extend(p.finish());
            assert_eq!(got, expected(), "split at {cut}");
        }
        let mut p = SseParser::new();
        let mut got = Vec::new();
        for b in bytes {
            got.extend(p.push(std::slice::from_ref(b)));
        }
        got.extend(p.finish());
        assert_eq!(got, expected());
    }

    #[test]
    fn unterminated_last_event_is_dropped() {
        let mut p = SseParser::new();
        assert!(p.push(b"data: x").is_empty());
        assert!(p.has_partial_event());
        assert_eq!(p.finish(), None);
        let mut p = SseParser::new();
        assert!(p.push(b"data: x\n").is_empty());
        assert!(p.has_partial_event());
        assert_eq!(p.finish(), None);
    }
}
