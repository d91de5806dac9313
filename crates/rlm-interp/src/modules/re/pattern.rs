//! Compiled patterns (`re.Pattern`) as programs see them: methods (run by
//! `functions.rs`), attributes and `repr`.

use std::rc::Rc;

use crate::cost::CostTable;
use crate::modules::re::engine::CompiledRegex;
use crate::modules::re::flags::{DOTALL, IGNORECASE, MULTILINE, UNICODE, VERBOSE};
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const METHODS: &[&str] =
    &["search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"];

pub(crate) fn pattern_attr(p: &CompiledRegex, name: &str) -> Option<Value> {
    Some(match name {
        "pattern" => Value::str(p.source.as_str()),
        "flags" => Value::Int(p.flags | UNICODE),
        "groups" => Value::Int(p.groups() as i64),
        "groupindex" => {
            let mut d = Dict::new();
            for (i, n) in p.names.iter().enumerate() {
                if let Some(n) = n {
                    d.map.insert(Key(Value::str(n.as_str())), Value::Int(i as i64));
                }
            }
            Value::dict(d)
        }
        _ => return None,
    })
}

pub(crate) fn pattern_repr(p: &CompiledRegex) -> Vec<ReprPart> {
    let mut flags = Vec::new();
    for (bit, name) in [
        (IGNORECASE, "re.IGNORECASE"),
        (MULTILINE, "re.MULTILINE"),
        (DOTALL, "re.DOTALL"),
        (VERBOSE, "re.VERBOSE"),
    ] {
        if p.flags & bit != 0 {
            flags.push(name);
        }
    }
    let close = if flags.is_empty() { ")".to_string() } else { format!(", {})", flags.join("|")) };
    vec![
        ReprPart::Text("re.compile(".to_string()),
        ReprPart::Value(Value::str(p.source.as_str())),
        ReprPart::Text(close),
    ]
}

/// A compiled pattern (`re.compile(...)`): its methods are `re`'s functions
/// with the pattern compiled (`functions.rs`).
impl NativeObject for Rc<CompiledRegex> {
    fn ty(&self) -> Ty {
        Ty::Other(&"re.Pattern")
    }

    fn repr(&self) -> Vec<ReprPart> {
        pattern_repr(self)
    }

    fn attr(&self, name: &str) -> Option<Value> {
        pattern_attr(self, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::PATTERN_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Rc<CompiledRegex>>()
    }
}
