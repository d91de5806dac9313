//! The `textwrap` module: `wrap`, `fill` (widths, indents, `max_lines` with
//! a placeholder), `shorten`, `dedent`, `indent`.

use std::collections::VecDeque;

use crate::args::{Kwargs, as_int, kw};
use crate::fault::{R, exc, type_err};
use crate::modules::functions;
use crate::types::str::split::{split_whitespace, splitlines};
use crate::value::*;
use crate::vm::Vm;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("textwrap", &["wrap", "fill", "dedent", "indent", "shorten"])
}

fn wrap_text(text: &str, width: usize, max_lines: Option<usize>, placeholder: &str) -> Vec<String> {
    wrap_indented(text, width, max_lines, placeholder, "", "")
}

fn wrap_indented(
    text: &str,
    full_width: usize,
    max_lines: Option<usize>,
    placeholder: &str,
    initial: &str,
    subsequent: &str,
) -> Vec<String> {
    let ind = |n: usize| if n == 0 { initial } else { subsequent };
    let width_for = |n: usize| full_width.saturating_sub(ind(n).chars().count()).max(1);
    let words: Vec<String> =
        split_whitespace(&text.replace(['\t', '\n', '\r', '\x0b', '\x0c'], " "), -1);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut queue: VecDeque<String> = words.into();
    while let Some(w) = queue.pop_front() {
        let width = width_for(lines.len());
        let wl = w.chars().count();
        let cl = cur.chars().count();
        if cur.is_empty() {
            if wl > width {
                // break_long_words: split the word.
                let head: String = w.chars().take(width).collect();
                let tail: String = w.chars().skip(width).collect();
                lines.push(head);
                queue.push_front(tail);
                continue;
            }
            cur = w;
        } else if cl + 1 + wl <= width {
            cur.push(' ');
            cur.push_str(&w);
        } else if wl > width && cl + 1 < width {
            // A word longer than a line fills the rest of the current one.
            let space = width - cl - 1;
            cur.push(' ');
            cur.extend(w.chars().take(space));
            lines.push(std::mem::take(&mut cur));
            queue.push_front(w.chars().skip(space).collect());
        } else {
            lines.push(std::mem::take(&mut cur));
            queue.push_front(w);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    let width = full_width;
    if !initial.is_empty() || !subsequent.is_empty() {
        lines = lines.into_iter().enumerate().map(|(i, l)| format!("{}{l}", ind(i))).collect();
    }
    if let Some(m) = max_lines {
        #[allow(clippy::while_let_loop)]
        if lines.len() > m {
            let mut kept: Vec<String> = lines[..m].to_vec();
            // Append the placeholder to the last kept line, dropping words until it fits.
            loop {
                let Some(last) = kept.last_mut() else { break };
                if last.chars().count() + placeholder.chars().count() <= width {
                    last.push_str(placeholder);
                    break;
                }
                match last.rfind(' ') {
                    Some(p) => last.truncate(p),
                    None => {
                        kept.pop();
                        if kept.is_empty() {
                            kept.push(placeholder.trim_start().to_string());
                            break;
                        }
                    }
                }
            }
            return kept;
        }
    }
    lines
}

/// At most what wrapping `text` to `width` holds at once: the text's
/// copies (the tab-free copy, the words, the lines), each word's `String`,
/// and each line's `String`, indent and string value with its list slot.
/// Every line holds a word or a `width`-long piece of one, and two lines in
/// a row hold more than `width` characters.
fn wrap_bound(text: &str, width: usize, indent: usize) -> usize {
    const WORD: usize = 24 + 32;
    const LINE: usize = 24 + 32 + 16 + crate::mem::rc_block::<crate::types::str::StrInner>();
    let bytes = text.len();
    let words = text.split(crate::types::str::py_isspace).filter(|w| !w.is_empty()).count();
    let lines = words.saturating_add(bytes / width).min(2 * (bytes / width)).saturating_add(1);
    bytes
        .saturating_mul(3)
        .saturating_add(words.saturating_mul(WORD))
        .saturating_add(lines.saturating_mul(LINE + 2 * indent))
}

pub(crate) fn call(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let Some(Value::Str(text)) = args.first() else {
        return type_err(format!("{name}() argument must be str"));
    };
    // A unit a byte besides the table's rate: every byte is scanned for
    // words, copied into a word and again into a line (`fill` of 100 000
    // characters in a loop ran its fuel in 3.3 s at a unit per 16 bytes:
    // BENCHMARKS.md, "Fuel cost table and calibration", 2026-11-24); at a
    // unit a byte the loop still took 1.09 s on a quiet machine: 4 units per
    // 3 bytes.
    vm.fuel((text.byte_len() as u64).saturating_mul(4) / 3)?;
    let text = text.as_str();
    let width =
        args.get(1).or_else(|| kw(&kwargs, "width")).and_then(as_int).unwrap_or(70).max(1) as usize;
    match name {
        "wrap" | "fill" => {
            let max_lines = kw(&kwargs, "max_lines").and_then(as_int).map(|m| m.max(1) as usize);
            let ph =
                kw(&kwargs, "placeholder").and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            let init = kw(&kwargs, "initial_indent")
                .and_then(|v| v.as_str().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            let subs = kw(&kwargs, "subsequent_indent")
                .and_then(|v| v.as_str().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            // The words and lines are built in plain Rust before any is a
            // value: charged first, at their bound (`wrap(s, 1)` made a
            // line per character, 8x the budget, unchecked).
            vm.alloc(wrap_bound(text, width, init.len().max(subs.len())))?;
            let lines = wrap_indented(
                text,
                width,
                max_lines,
                ph.as_deref().unwrap_or(" [...]"),
                &init,
                &subs,
            );
            if name == "wrap" {
                Ok(Value::list(lines.into_iter().map(Value::str).collect()))
            } else {
                Ok(Value::str(lines.join("\n")))
            }
        }
        "shorten" => {
            let ph =
                kw(&kwargs, "placeholder").and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            let ph = ph.unwrap_or_else(|| " [...]".to_string());
            let collapsed = split_whitespace(text, -1).join(" ");
            if collapsed.chars().count() <= width {
                return Ok(Value::str(collapsed));
            }
            let lines = wrap_text(&collapsed, width, Some(1), &ph);
            Ok(Value::str(lines.into_iter().next().unwrap_or_default()))
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
                    Some(p) => vm.call_value(p, vec![Value::str(l.as_str())], Vec::new())?.truthy(),
                    None => !l.trim().is_empty(),
                };
                // Held to the string cap and charged before each growth of
                // the result (a 1000-character prefix on 100k lines built
                // 134 MB before a check at the end).
                let need = out.len() + if add { prefix.byte_len() } else { 0 } + l.len();
                if need > out.capacity() {
                    vm.check_str_len(need)?;
                    let target = (2 * out.capacity()).min(vm.limits.max_str_len).max(need);
                    vm.alloc(target - need)?;
                    out.reserve_exact(target - out.len());
                }
                if add {
                    out.push_str(prefix.as_str());
                }
                out.push_str(&l);
            }
            vm.check_str_len(out.len())?;
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'textwrap' has no attribute '{name}'")),
    }
}
