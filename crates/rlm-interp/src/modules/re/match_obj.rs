//! Match objects (`re.Match`): groups by index or name, spans in code
//! points, `expand`, attributes and `repr`.

use std::rc::Rc;

use crate::args::{Kwargs, as_int, kw};
use crate::cost::CostTable;
use crate::fault::{R, exc, type_err};
use crate::modules::re::engine::CompiledRegex;
use crate::modules::re::functions::{TPiece, parse_template};
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const METHODS: &[&str] =
    &["group", "groups", "groupdict", "start", "end", "span", "expand"];

pub struct MatchObj {
    pub hay: Str,
    pub spans: Vec<Option<(usize, usize)>>,
    pub pattern: Rc<CompiledRegex>,
    pub pos: usize,
    pub endpos: usize,
}

fn group_index(m: &MatchObj, g: &Value) -> R<usize> {
    match g {
        Value::Str(name) => {
            match m.pattern.names.iter().position(|n| n.as_deref() == Some(name.as_str())) {
                Some(i) => Ok(i),
                None => exc(ExcKind::IndexError, "no such group"),
            }
        }
        v => match as_int(v) {
            Some(i) if i >= 0 && (i as usize) < m.spans.len() => Ok(i as usize),
            _ => exc(ExcKind::IndexError, "no such group"),
        },
    }
}

fn group_value(m: &MatchObj, i: usize, default: &Value) -> Value {
    match m.spans.get(i).copied().flatten() {
        Some((a, b)) => Value::Str(m.hay.byte_substr(a, b, None)),
        None => default.clone(),
    }
}

pub(crate) fn match_group(m: &MatchObj, idx: &Value) -> R<Value> {
    let i = group_index(m, idx)?;
    Ok(group_value(m, i, &Value::None))
}

/// `m.group()` or `m.group(g)`: the general path's answer (`match_method`),
/// for the call site that reads a match's group in a loop
/// (`vm/method_fast.rs`).
pub(crate) fn group_of(m: &MatchObj, g: Option<&Value>) -> R<Value> {
    match g {
        None => Ok(group_value(m, 0, &Value::None)),
        Some(g) => match_group(m, g),
    }
}

pub(crate) fn match_method(m: &MatchObj, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let char_pos = |b: usize| m.hay.char_of_byte(b) as i64;
    match name {
        "group" => {
            if args.len() <= 1 {
                return group_of(m, args.first());
            }
            let mut out = Vec::new();
            for a in &args {
                out.push(match_group(m, a)?);
            }
            Ok(Value::tuple(out))
        }
        "groups" => {
            let default =
                args.first().or_else(|| kw(&kwargs, "default")).cloned().unwrap_or(Value::None);
            Ok(Value::tuple((1..m.spans.len()).map(|i| group_value(m, i, &default)).collect()))
        }
        "groupdict" => {
            let default =
                args.first().or_else(|| kw(&kwargs, "default")).cloned().unwrap_or(Value::None);
            let mut d = Dict::new();
            for (i, n) in m.pattern.names.iter().enumerate() {
                if let Some(n) = n {
                    d.map.insert(Key(Value::str(n.as_str())), group_value(m, i, &default));
                }
            }
            Ok(Value::dict(d))
        }
        "start" | "end" | "span" => {
            let i = match args.first() {
                Some(g) => group_index(m, g)?,
                None => 0,
            };
            let sp = m.spans.get(i).copied().flatten();
            let (a, b) = match sp {
                Some((a, b)) => (char_pos(a), char_pos(b)),
                None => (-1, -1),
            };
            Ok(match name {
                "start" => Value::Int(a),
                "end" => Value::Int(b),
                _ => Value::tuple(vec![Value::Int(a), Value::Int(b)]),
            })
        }
        "expand" => {
            let Some(Value::Str(t)) = args.first() else {
                return type_err("expand() argument must be str");
            };
            let pieces = parse_template(t, &m.pattern)?;
            let mut out = String::new();
            for p in pieces {
                match p {
                    TPiece::Lit(l) => out.push_str(&l),
                    TPiece::Group(g) => {
                        if let Some(Some((a, b))) = m.spans.get(g) {
                            out.push_str(&m.hay.as_str()[*a..*b]);
                        }
                    }
                }
            }
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("'re.Match' object has no attribute '{name}'")),
    }
}

pub(crate) fn match_attr(m: &MatchObj, name: &str) -> Option<Value> {
    Some(match name {
        "string" => Value::Str(m.hay.clone()),
        "re" => Native::value(m.pattern.clone()),
        "pos" => Value::Int(m.pos as i64),
        "endpos" => Value::Int(m.endpos as i64),
        "lastindex" => match last_index(m) {
            Some(i) => Value::Int(i as i64),
            None => Value::None,
        },
        "lastgroup" => match last_index(m) {
            Some(i) => m.pattern.names[i].as_ref().map_or(Value::None, |n| Value::str(n.as_str())),
            None => Value::None,
        },
        "regs" => Value::tuple(
            (0..m.spans.len())
                .map(|i| {
                    let (a, b) = m.spans[i].map_or((-1, -1), |(a, b)| {
                        (m.hay.char_of_byte(a) as i64, m.hay.char_of_byte(b) as i64)
                    });
                    Value::tuple(vec![Value::Int(a), Value::Int(b)])
                })
                .collect(),
        ),
        _ => return None,
    })
}

/// The group that closed last (sre's `lastindex`): of the matched groups
/// that end last, the one whose `)` comes last in the pattern.
fn last_index(m: &MatchObj) -> Option<usize> {
    let rank = |i: usize| m.pattern.close_order.get(i).copied().unwrap_or(i);
    (1..m.spans.len())
        .filter_map(|i| m.spans[i].map(|(_, e)| (e, rank(i), i)))
        .max()
        .map(|(_, _, i)| i)
}

pub(crate) fn match_repr(m: &MatchObj) -> Vec<ReprPart> {
    let (a, b) = m.spans[0].unwrap_or((0, 0));
    vec![
        ReprPart::Text(format!(
            "<re.Match object; span=({}, {}), match=",
            m.hay.char_of_byte(a),
            m.hay.char_of_byte(b)
        )),
        ReprPart::Value(Value::str(&m.hay.as_str()[a..b])),
        ReprPart::Text(">".to_string()),
    ]
}

/// A match (`re.Match`).
impl NativeObject for MatchObj {
    fn ty(&self) -> Ty {
        Ty::Other(&"re.Match")
    }

    fn repr(&self) -> Vec<ReprPart> {
        match_repr(self)
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match_attr(self, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::MATCH_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<MatchObj>()
    }
}
