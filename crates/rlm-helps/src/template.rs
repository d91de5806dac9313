//! `{{name}}` rendering of the helps' templates, strict as the loop's own: a
//! placeholder without a value is an error naming it, never an empty hole in
//! a text a model will read. rlm-core renders the loop's own prompts with
//! this same function.

use crate::error::HelpsError;

/// Replaces each `{{name}}` in `template` by its value (inserted verbatim: a
/// value holding `{{x}}` is not expanded again).
pub fn render(template: &str, values: &[(&str, &str)]) -> Result<String, HelpsError> {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = find_pair(rest, b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = find_pair(after, b'}') else {
            return Err(HelpsError::Template(format!(
                "prompt template has an unclosed placeholder near {:?}",
                &rest[open..(open + 30).min(rest.len())]
            )));
        };
        let name = after[..close].trim();
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => {
                return Err(HelpsError::Template(format!(
                    "prompt template uses {{{{{name}}}}} but no value is given for it"
                )));
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The names of `template`'s placeholders, in order, each once; `None` when
/// one is not closed (the template would not render).
pub fn placeholders(template: &str) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = find_pair(rest, b'{') {
        let after = &rest[open + 2..];
        let close = find_pair(after, b'}')?;
        let name = after[..close].trim();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        rest = &after[close + 2..];
    }
    Some(names)
}

/// Where `text` has `byte` twice in a row. Templates are rendered for every
/// step: a single-byte search (memchr) is several times cheaper than a
/// two-byte substring search, which builds a searcher per call.
fn find_pair(text: &str, byte: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(byte, &bytes[from..]) {
        let at = from + i;
        if bytes.get(at + 1) == Some(&byte) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// [`render`] for texts that must always produce something: a template that
/// fails to render (only a user-supplied one can) yields the error's text.
pub(crate) fn render_or_explain(template: &str, values: &[(&str, &str)]) -> String {
    render(template, values).unwrap_or_else(|e| format!("configuration error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_refuses_missing_values() {
        assert_eq!(
            render("a {{x}} b {{ y }}", &[("x", "1"), ("y", "{{x}}")]).unwrap(),
            "a 1 b {{x}}"
        );
        let e = render("hi {{who}}", &[]).unwrap_err().to_string();
        assert!(e.contains("{{who}}"), "{e}");
        assert!(render("hi {{who", &[("who", "x")]).is_err());
        assert!(render_or_explain("hi {{who}}", &[]).starts_with("configuration error: "));
    }
}
