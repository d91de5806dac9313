//! The context helpers a program calls inline, served in the interpreter
//! with their fuel charged before the scan: `grep`, `count_lines`,
//! `find_lines`, `count_plan`, `extract_after` and `pick_first_answer`
//! (declared in [`crate::FunctionRegistry`], whose entries point here).

use rlm_context::{Context, ContextError, CountPlan, DateWindow, Stamp, parse_stamp};
use rlm_interp::{AlignedBool, Dict, ExcKind, FuelMeter, HostError, Key, Value};

/// Bytes of scanning one unit of fuel pays for (the interpreter's own rate).
pub(crate) const BYTES_PER_FUEL: u64 = 64;

/// Answers that mean "the sub-model found nothing" (compared lowercased, dots
/// trimmed; `NO_ANSWER` is the reply pyrlm-runtime's sub-model prompt asks for).
const NOT_FOUND: [&str; 7] =
    ["not found", "none", "n/a", "unknown", "no answer", "notfound", "no_answer"];

/// `grep(term, width=200)`: the text around each occurrence (any case),
/// found by [`Context::grep`].
pub(crate) fn grep(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let (Some(Value::Str(term)), width) = (args.first(), args.get(1)) else {
        return Err(HostError::typed(ExcKind::TypeError, "grep() needs a term"));
    };
    let width = match width {
        Some(Value::Int(n)) if *n > 0 => (*n).min(5_000) as usize,
        None => 200,
        Some(_) => {
            return Err(HostError::typed(ExcKind::ValueError, "grep() width must be positive"));
        }
    };
    let term = term.as_str();
    if term.trim().is_empty() {
        return Err(HostError::typed(ExcKind::ValueError, "grep() term is empty"));
    }
    fuel(context.as_str().len() as u64 / BYTES_PER_FUEL + 1)
        .map_err(|e| HostError::new(e.to_string()))?;
    let hits = context.grep(term, width).map_err(|e| context_error("grep", &e))?;
    Ok(Value::list(hits.into_iter().map(Value::str).collect()))
}

/// A context search's failure as the program sees it: a `ValueError` naming
/// the function (a bad pattern: the regex compiler's own words).
fn context_error(name: &str, e: &ContextError) -> HostError {
    let message = match e {
        ContextError::InvalidRegex { message, .. } => message.clone(),
        other => other.to_string(),
    };
    HostError::typed(ExcKind::ValueError, format!("{name}(): {message}"))
}

/// The context's lines `pattern` (any case) matches, inside the window
/// `since`/`until` when given ([`Context::matching_lines`]): what
/// `count_lines` counts and `find_lines` lists.
fn matching_lines<'c>(
    name: &str,
    context: &'c Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Vec<&'c str>, HostError> {
    let Some(Value::Str(pattern)) = args.first() else {
        return Err(HostError::typed(ExcKind::TypeError, format!("{name}() needs a pattern")));
    };
    let bound = |i: usize, which: &str| -> Result<Option<Stamp>, HostError> {
        match args.get(i) {
            Some(Value::Str(text)) => parse_stamp(text.as_str()).map(Some).ok_or_else(|| {
                HostError::typed(
                    ExcKind::ValueError,
                    format!("{name}() {which}={:?} is not a date", text.as_str()),
                )
            }),
            _ => Ok(None),
        }
    };
    let (since, until) = (bound(1, "since")?, bound(2, "until")?);
    let window = (since.is_some() || until.is_some()).then_some(DateWindow { since, until });
    fuel(context.as_str().len() as u64 / BYTES_PER_FUEL + 1)
        .map_err(|e| HostError::new(e.to_string()))?;
    context.matching_lines(pattern.as_str(), window.as_ref()).map_err(|e| context_error(name, &e))
}

/// `count_lines(pattern, since=None, until=None)`.
pub(crate) fn count_lines(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let lines = matching_lines("count_lines", context, args, fuel)?;
    Ok(Value::Int(lines.len() as i64))
}

/// `find_lines(pattern, since=None, until=None)`.
pub(crate) fn find_lines(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let lines = matching_lines("find_lines", context, args, &mut *fuel)?;
    // Making the strings is work of its own, like any list the program builds.
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    fuel((bytes / BYTES_PER_FUEL as usize + lines.len()) as u64)
        .map_err(|e| HostError::new(e.to_string()))?;
    Ok(Value::list(lines.into_iter().map(Value::str).collect()))
}

/// `count_plan(question)`: `{"pattern", "terms", "since", "until", "exact"}`
/// for counting the question's lines by program (see [`CountPlan`]), or
/// None when no word of the question occurs in the context.
pub(crate) fn count_plan(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let Some(Value::Str(question)) = args.first() else {
        return Err(HostError::typed(ExcKind::TypeError, "count_plan() needs a question"));
    };
    let hay = context.as_str();
    // Each candidate term is looked for once, and the candidates once more.
    fuel(4 * (hay.len() as u64 / BYTES_PER_FUEL + 1)).map_err(|e| HostError::new(e.to_string()))?;
    let Some(plan) = CountPlan::for_question(question.as_str(), hay) else {
        return Ok(Value::None);
    };
    let stamp = |s: Option<Stamp>| s.map(|s| Value::str(s.render())).unwrap_or(Value::None);
    let mut d = Dict::new();
    let mut put = |k: &str, v: Value| {
        d.map.insert(Key(Value::str(k)), v);
    };
    put("pattern", Value::str(plan.pattern.as_str()));
    put("terms", Value::list(plan.terms.iter().map(|t| Value::str(t.as_str())).collect()));
    put("since", stamp(plan.window.and_then(|w| w.since)));
    put("until", stamp(plan.window.and_then(|w| w.until)));
    put("exact", Value::Bool(AlignedBool(plan.exact)));
    Ok(Value::dict(d))
}

/// The first answer that is not empty or a "not found" (strings only).
pub fn pick_first(answers: &[Value]) -> Option<String> {
    answers.iter().find_map(|a| match a {
        Value::Str(s) => {
            let t = s.as_str().trim();
            let norm = t.trim_matches(|c| c == ' ' || c == '.').to_lowercase();
            (!t.is_empty() && !NOT_FOUND.contains(&norm.as_str())).then(|| t.to_string())
        }
        _ => None,
    })
}

/// `pick_first_answer(answers)`.
pub(crate) fn pick_first_answer(
    _context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let items: Vec<Value> = match args {
        [Value::List(l)] => l.borrow().clone(),
        [Value::Tuple(t)] => t.iter().cloned().collect(),
        _ => Vec::new(),
    };
    fuel(items.len() as u64 + 1).map_err(|e| HostError::new(e.to_string()))?;
    Ok(pick_first(&items).map(Value::str).unwrap_or(Value::None))
}

/// `extract_after(marker, max_len=200)`.
pub(crate) fn extract_after(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let (Some(Value::Str(marker)), max_len) = (args.first(), args.get(1)) else {
        return Err(HostError::typed(ExcKind::TypeError, "extract_after() needs a marker"));
    };
    let max_len = match max_len {
        Some(Value::Int(n)) if *n >= 0 => *n as usize,
        Some(Value::Bool(AlignedBool(b))) => usize::from(*b),
        Some(Value::None) | None => 200,
        Some(_) => {
            return Err(HostError::typed(
                ExcKind::ValueError,
                "extract_after() max_len must not be negative",
            ));
        }
    };
    let hay = context.as_str();
    // The scan may touch the whole context: pay for it first.
    fuel(hay.len() as u64 / BYTES_PER_FUEL + 1).map_err(|e| HostError::new(e.to_string()))?;
    let marker = marker.as_str();
    if marker.is_empty() {
        return Err(HostError::typed(ExcKind::ValueError, "extract_after() marker is empty"));
    }
    Ok(match hay.find(marker) {
        None => Value::None,
        Some(i) => {
            let rest = &hay[i + marker.len()..];
            let end = rest.char_indices().nth(max_len).map(|(j, _)| j).unwrap_or(rest.len());
            Value::str(rest[..end].trim())
        }
    })
}
