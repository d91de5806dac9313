//! Compiled patterns (`re.Pattern`) as programs see them: methods (run by
//! `functions.rs`), attributes and `repr`.

use crate::fault::R;
use crate::meter::Meter;
use crate::modules::re::engine::CompiledRegex;
use crate::modules::re::{DOTALL, IGNORECASE, MULTILINE, UNICODE, VERBOSE};
use crate::value::*;

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

pub(crate) fn pattern_repr(meter: &mut Meter, p: &CompiledRegex) -> R<String> {
    let src = crate::format::repr::repr(meter, &Value::str(p.source.as_str()))?;
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
    if flags.is_empty() {
        Ok(format!("re.compile({src})"))
    } else {
        Ok(format!("re.compile({src}, {})", flags.join("|")))
    }
}
