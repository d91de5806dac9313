//! The model-facing texts of task criteria, as files under the crate's `prompts/`
//! (snapshot-tested in `tests/prompts.rs`): the feedback a failed FINAL
//! gets, and the judge's prompt.

pub(crate) const CRITERIA_FEEDBACK: &str = include_str!("../prompts/criteria_feedback.md");
pub(crate) const CRITERIA_JUDGE: &str = include_str!("../prompts/criteria_judge.md");

/// Replaces each `{name}` with its value. Values are inserted once, after
/// every placeholder is found, so braces inside values stay as they are.
pub(crate) fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open + 1..];
        let filled = tail.find('}').and_then(|close| {
            let name = &tail[..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| (close, *v))
        });
        match filled {
            Some((close, value)) => {
                out.push_str(value);
                rest = &tail[close + 1..];
            }
            None => {
                out.push('{');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out.trim_end().to_string()
}
