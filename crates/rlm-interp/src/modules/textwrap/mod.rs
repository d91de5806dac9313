//! The `textwrap` module: `wrap`, `fill` (widths, indents, `max_lines` with
//! a placeholder) and `shorten`, by CPython's `TextWrapper` (`wrapper.rs`);
//! `dedent`, `indent`.

mod wrapper;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::fault::{R, exc, type_err};
use crate::modules::functions;
use crate::types::str::py_isspace;
use crate::types::str::split::{split_whitespace, splitlines};
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
) -> R<Vec<String>> {
    let tabs = text.bytes().filter(|&b| b == b'\t').count();
    let per_tab = if w.options.expand_tabs { w.options.tabsize.max(1) as usize } else { 1 };
    let chars = text.len().saturating_add(tabs.saturating_mul(per_tab));
    cx.meter().check_str_len(chars)?;
    cx.meter().alloc(chars.saturating_mul(std::mem::size_of::<char>()))?;
    let chars = wrapper::munge(text, w.options);
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
            let text = if name == "shorten" {
                collapsed = split_whitespace(text.trim_matches(py_isspace), -1).join(" ");
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
            let lines = wrap_lines(cx, text, &w)?;
            if name == "wrap" {
                let mut out = ChargedVec::new();
                for l in lines {
                    out.push(cx.meter(), Value::str(l))?;
                }
                Ok(Value::list(out.into_vec()))
            } else {
                let total = lines.iter().map(|l| l.len() + 1).sum::<usize>();
                cx.meter().check_str_len(total)?;
                cx.meter().alloc(total)?;
                Ok(Value::str(lines.join("\n")))
            }
        }
        "dedent" => {
            let lines: Vec<&str> = text.split('\n').collect();
            let mut margin: Option<String> = None;
            for l in &lines {
                if l.trim().is_empty() {
                    continue;
                }
                let ind: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                margin = Some(match margin {
                    None => ind,
                    Some(m) => {
                        let common: String = m
                            .chars()
                            .zip(ind.chars())
                            .take_while(|(a, b)| a == b)
                            .map(|(a, _)| a)
                            .collect();
                        common
                    }
                });
            }
            let m = margin.unwrap_or_default();
            let out: Vec<String> = lines
                .iter()
                .map(|l| {
                    if l.trim().is_empty() {
                        String::new()
                    } else {
                        l.strip_prefix(m.as_str()).unwrap_or(l).to_string()
                    }
                })
                .collect();
            Ok(Value::str(out.join("\n")))
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
            for l in splitlines(text, true) {
                let add = match &pred {
                    Some(p) => cx.call_value(p, vec![Value::str(l.as_str())], Vec::new())?.truthy(),
                    None => !l.trim().is_empty(),
                };
                // Held to the string cap and charged before each growth of
                // the result (a 1000-character prefix on 100k lines built
                // 134 MB before a check at the end).
                let need = out.len() + if add { prefix.byte_len() } else { 0 } + l.len();
                if need > out.capacity() {
                    cx.meter().check_str_len(need)?;
                    let target = (2 * out.capacity()).min(cx.meter().limits.max_str_len).max(need);
                    cx.meter().alloc(target - need)?;
                    out.reserve_exact(target - out.len());
                }
                if add {
                    out.push_str(prefix.as_str());
                }
                out.push_str(&l);
            }
            cx.meter().check_str_len(out.len())?;
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'textwrap' has no attribute '{name}'")),
    }
}
