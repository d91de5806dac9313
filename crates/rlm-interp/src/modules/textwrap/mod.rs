//! The `textwrap` module: `wrap`, `fill` (widths, indents, `max_lines` with
//! a placeholder) and `shorten`, by CPython's `TextWrapper` (`wrapper.rs`);
//! `dedent`, `indent`.

mod wrapper;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::fault::{R, exc, type_err};
use crate::modules::function::functions;
use crate::types::str::split::{for_each_line, for_each_whitespace_word};
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("textwrap", &["wrap", "fill", "dedent", "indent", "shorten"])
}

/// `wrap`'s lines of `text` (`shorten` passes its collapsed text): the
/// munged characters (a tab up to `tabsize`) are charged before they are
/// made.
fn wrap_lines<C: Callbacks + ?Sized>(
    cx: &mut C,
    text: &str,
    w: &wrapper::Wrapper,
) -> R<wrapper::Lines> {
    let tabs = text.bytes().filter(|&b| b == b'\t').count();
    let per_tab = if w.options.expand_tabs { w.options.tabsize.max(1) as usize } else { 1 };
    let chars = text.len().saturating_add(tabs.saturating_mul(per_tab));
    cx.meter().check_str_len(chars)?;
    // A unit a munged character (a tab is up to `tabsize` of them), each
    // classified into a chunk and copied into a line: charged per byte of
    // the text alone, `fill('\t' * n, 1000)` ran 8x the loop's time a unit
    // (issue #77).
    cx.meter().fuel(chars as u64)?;
    // Held while the lines are made (charged as live, not only paced):
    // the munged text and its chunks were 400 MB of 952 MB of heap for
    // `wrap('a ' * 10 ** 7, 1)` under the 512 MiB budget (issue #77).
    let _munged =
        crate::charged::charge_scratch(cx.meter(), chars.saturating_mul(size_of::<char>()))?;
    let chars = wrapper::munge(text, w.options, chars);
    w.wrap(cx, chars)
}

/// The `TextWrapper` switches given as keywords (each as true as its value).
fn options(kwargs: &Kwargs) -> R<wrapper::Options> {
    let mut o = wrapper::Options::default();
    let flag = |name: &str, default: bool| kw(kwargs, name).map_or(default, Value::truthy);
    o.expand_tabs = flag("expand_tabs", o.expand_tabs);
    o.replace_whitespace = flag("replace_whitespace", o.replace_whitespace);
    o.fix_sentence_endings = flag("fix_sentence_endings", o.fix_sentence_endings);
    o.break_long_words = flag("break_long_words", o.break_long_words);
    o.drop_whitespace = flag("drop_whitespace", o.drop_whitespace);
    o.break_on_hyphens = flag("break_on_hyphens", o.break_on_hyphens);
    if let Some(v) = kw(kwargs, "tabsize") {
        let Some(n) = as_int(v) else {
            return type_err(format!(
                "'{}' object cannot be interpreted as an integer",
                v.type_name()
            ));
        };
        o.tabsize = n;
    }
    Ok(o)
}

fn str_kw<'a>(kwargs: &'a Kwargs, name: &str) -> Option<&'a str> {
    kw(kwargs, name).and_then(|v| match v {
        Value::Str(s) => Some(s.as_str()),
        _ => None,
    })
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let Some(Value::Str(text)) = args.first() else {
        return type_err(format!("{name}() argument must be str"));
    };
    // A unit a byte besides the table's rate: every byte is scanned for
    // words, copied into a word and again into a line (`fill` of 100 000
    // characters in a loop ran its fuel in 3.3 s at a unit per 16 bytes:
    // docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and calibration",
    // 2026-11-24); at a unit a byte the loop still took 1.09 s on a quiet machine: 4 units per
    // 3 bytes.
    cx.meter().fuel((text.byte_len() as u64).saturating_mul(4) / 3)?;
    let text = text.as_str();
    let width = args.get(1).or_else(|| kw(&kwargs, "width")).and_then(as_int).unwrap_or(70);
    match name {
        "wrap" | "fill" | "shorten" => {
            let collapsed;
            let _collapsed_held;
            let text = if name == "shorten" {
                // The words joined by single spaces, written straight into
                // the collapsed copy (at most the text's size): a string
                // per word first held 78 MiB uncharged for 2.9 Mi
                // characters (issue #77). The copy is held as live while
                // the wrap runs: checked against the budget only, it was
                // 8 MiB of heap with nothing charged for 4 Mi characters.
                cx.meter().check_text_exact(text.len())?;
                _collapsed_held =
                    crate::charged::charge_scratch(cx.meter(), crate::mem::block(text.len()))?;
                let mut joined = String::with_capacity(text.len());
                for_each_whitespace_word(text, -1, |a, b| {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(&text[a..b]);
                    Ok(())
                })?;
                collapsed = joined;
                collapsed.as_str()
            } else {
                text
            };
            let max_lines =
                if name == "shorten" { Some(1) } else { kw(&kwargs, "max_lines").and_then(as_int) };
            let w = wrapper::Wrapper {
                width,
                initial_indent: str_kw(&kwargs, "initial_indent").unwrap_or(""),
                subsequent_indent: str_kw(&kwargs, "subsequent_indent").unwrap_or(""),
                max_lines,
                placeholder: str_kw(&kwargs, "placeholder").unwrap_or(" [...]"),
                options: options(&kwargs)?,
            };
            let mut lines = wrap_lines(cx, text, &w)?;
            if name == "wrap" {
                // Each line a str as the one it replaces is let go.
                let mut out = ChargedVec::new();
                out.reserve(cx.meter(), lines.len())?;
                while let Some(l) = lines.take_next() {
                    out.push(cx.meter(), Value::str(l))?;
                }
                Ok(Value::list(out.into_vec()))
            } else {
                let total = lines.text_len();
                cx.meter().check_str_len(total)?;
                cx.meter().check_text_exact(total)?;
                // Held as live while it is written beside the lines (until
                // the str made of it charges itself).
                let held = crate::charged::charge_scratch(cx.meter(), crate::mem::block(total))?;
                let mut out = String::with_capacity(total);
                while let Some(l) = lines.take_next() {
                    if lines.taken() > 1 {
                        out.push('\n');
                    }
                    out.push_str(&l);
                }
                drop(held);
                Ok(Value::str(out))
            }
        }
        "dedent" => {
            // The common margin of the lines that are not blank, then each
            // line without it (a blank one emptied), written straight into
            // the result, at most the text's size: a vector of lines, a
            // string per line and a copy of each held 228 MiB for 4 MiB of
            // newlines (issue #77).
            let mut margin: Option<&str> = None;
            for l in text.split('\n') {
                if l.trim().is_empty() {
                    continue;
                }
                let ind = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
                margin = Some(match margin {
                    None => ind,
                    Some(m) => {
                        let n = m.bytes().zip(ind.bytes()).take_while(|(a, b)| a == b).count();
                        &m[..n]
                    }
                });
            }
            let m = margin.unwrap_or("");
            cx.meter().check_text_exact(text.len())?;
            // Held as live while it is written (until the str made of it
            // charges itself): a result much shorter than its buffer (blank
            // lines emptied) let 4 MiB go uncharged.
            let held = crate::charged::charge_scratch(cx.meter(), crate::mem::block(text.len()))?;
            let mut out = String::with_capacity(text.len());
            for (i, l) in text.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                if !l.trim().is_empty() {
                    out.push_str(l.strip_prefix(m).unwrap_or(l));
                }
            }
            drop(held);
            Ok(Value::str(out))
        }
        "indent" => {
            let Some(Value::Str(prefix)) = args.get(1).or_else(|| kw(&kwargs, "prefix")) else {
                return type_err("indent() missing required argument 'prefix'");
            };
            let prefix = prefix.clone();
            let pred = args
                .get(2)
                .or_else(|| kw(&kwargs, "predicate"))
                .cloned()
                .filter(|p| !matches!(p, Value::None));
            let mut out = String::new();
            // The result's buffer, held as live at its capacity while it
            // grows (until the str made of it charges itself): pre-charged
            // only, a buffer doubled past its text was 12 MiB of heap for
            // 6 MiB charged (issue #77's fuzzer).
            let mut held = crate::charged::charge_scratch(cx.meter(), 0)?;
            // Each line read where it lies (a string per line made first
            // held 101 MiB for 2.8 MiB of text: issue #77); a predicate is
            // passed the line as a str.
            for_each_line(text, true, |a, b, _| {
                let l = &text[a..b];
                let add = match &pred {
                    Some(p) => cx.call_value(p, vec![Value::str(l)], Vec::new())?.truthy(),
                    None => !l.trim().is_empty(),
                };
                // Held to the string cap and charged before each growth of
                // the result (a 1000-character prefix on 100k lines built
                // 134 MB before a check at the end).
                let need = out.len() + if add { prefix.byte_len() } else { 0 } + l.len();
                if need > out.capacity() {
                    cx.meter().check_str_len(need)?;
                    let target = (2 * out.capacity()).min(cx.meter().limits.max_str_len).max(need);
                    let grown = crate::mem::block(target) - crate::mem::block(out.capacity());
                    held.grow(cx.meter(), grown)?;
                    cx.meter().check_text_growth(out.capacity())?;
                    out.reserve_exact(target - out.len());
                }
                if add {
                    out.push_str(prefix.as_str());
                }
                out.push_str(l);
                Ok(())
            })?;
            cx.meter().check_str_len(out.len())?;
            drop(held);
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'textwrap' has no attribute '{name}'")),
    }
}
