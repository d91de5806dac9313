//! Compiled patterns (`re.Pattern`) as programs see them: methods (run by
//! `functions.rs`), attributes and `repr`.

use std::rc::Rc;

use crate::cost::CostTable;
use crate::modules::re::engine::CompiledRegex;
use crate::modules::re::flags::{ASCII, LOCALE, UNICODE, flags_repr, pattern_flags};
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const METHODS: &[&str] =
    &["search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split", "scanner"];

pub(crate) fn pattern_attr(p: &CompiledRegex, name: &str) -> Option<Value> {
    Some(match name {
        "pattern" => Value::str(p.source.as_str()),
        "flags" => Value::Int(pattern_flags(p.flags, &p.source)),
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

/// `re.compile('a', re.IGNORECASE)`: the pattern's repr cut at 200
/// characters, and its flags but a str pattern's default `re.UNICODE`.
pub(crate) fn pattern_repr(p: &CompiledRegex) -> Vec<ReprPart> {
    const SHOWN: usize = 200;
    let mut flags = pattern_flags(p.flags, &p.source);
    if flags & (ASCII | LOCALE | UNICODE) == UNICODE {
        flags &= !UNICODE;
    }
    let close = if flags == 0 { ")".to_string() } else { format!(", {})", flags_repr(flags)) };
    let source = crate::types::str::repr::repr_str_head(&p.source, SHOWN);
    vec![ReprPart::Text(format!("re.compile({source}{close}"))]
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
