//! Attribute lookup (`obj.name`): the few data attributes of built-in
//! values (`x.real`, `r.start`, `d.maxlen`: the value protocol's), module
//! attributes, host objects, native objects, and bound methods; dunders are
//! refused except `__name__`.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::fault::{Fault, R, exc};
use crate::types::attr_error::qualified_type_name;
use crate::types::native::native_attr;
use crate::types::{has_method, method_names};
use crate::value::*;
use crate::vm::Vm;

impl Vm {
    pub(crate) fn get_attr(&mut self, obj: &Value, name: &str) -> R<Value> {
        if name == "__name__" {
            // The one dunder models rely on: `type(x).__name__`, `f.__name__`.
            match obj {
                // A module's type's name without its module, as CPython's
                // `__name__` (`partial`; its repr says `functools.partial`).
                Value::Type(t) => {
                    let name = t.name();
                    return Ok(Value::str(name.rsplit('.').next().unwrap_or(name)));
                }
                Value::Func(f) => return Ok(Value::str(f.code.name.as_str())),
                Value::Builtin(b) => return Ok(Value::str(b.name.as_str())),
                Value::Module(m) => return Ok(Value::str(m.name)),
                _ => {}
            }
        }
        if name.starts_with("__") && name.ends_with("__") && name.len() > 4 {
            return exc(
                ExcKind::AttributeError,
                format!(
                    "'{name}': dunder attributes are not available in this sandbox (no introspection); \
                     use type(x), isinstance(x, T), len(x) and the documented functions instead"
                ),
            );
        }
        if let Some(v) = crate::types::dispatch::data_attr(obj, name) {
            return Ok(v);
        }
        match obj {
            Value::Module(m) => match m.attrs.get(name) {
                Some(v) => Ok(v.clone()),
                None if m.name == "sys" => {
                    exc(ExcKind::AttributeError, crate::modules::sys::missing_attr(name))
                }
                None => exc(
                    ExcKind::AttributeError,
                    format!("module '{}' has no attribute '{name}'", m.name),
                ),
            },
            Value::Host(h) => {
                if let Some(v) = h.get_attr(name) {
                    return Ok(v);
                }
                if h.method_names().iter().any(|m| m == name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                exc(
                    ExcKind::AttributeError,
                    format!("'{}' object has no attribute '{name}'", h.type_name()),
                )
            }
            Value::Exc(e) if name == "args" => Ok(Value::tuple(e.args.clone())),
            Value::Exc(e) if e.attr(name).is_some() => Ok(e.attr(name).unwrap_or(Value::None)),
            Value::Native(n) => {
                if let Some(v) = native_attr(n, name) {
                    return Ok(v);
                }
                if has_method(obj, name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                exc(
                    ExcKind::AttributeError,
                    format!("'{}' object has no attribute '{name}'", qualified_type_name(obj)),
                )
            }
            // `csv.DictWriter.writerow`: the class's method, its writer the
            // first argument.
            Value::Builtin(b) if crate::modules::csv::is_dict_writer_method(b, name) => {
                Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))))
            }
            Value::Builtin(b)
                if b.module == "itertools" && b.name == "chain" && name == "from_iterable" =>
            {
                Ok(Value::Builtin(Rc::new(BuiltinFn {
                    module: "itertools",
                    name: SmolStr::new_static("from_iterable"),
                })))
            }
            _ => {
                if has_method(obj, name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                if let Value::Type(Ty::Other(t)) = obj {
                    if let Some(v) = crate::modules::datetime::type_attr(t, name) {
                        return Ok(v);
                    }
                }
                // The dict flavours' types have it too (`OrderedDict.fromkeys`
                // returns an OrderedDict; `Counter.fromkeys` raises, as CPython's).
                if let Value::Type(Ty::Dict | Ty::OrderedDict | Ty::DefaultDict | Ty::Counter) = obj
                {
                    if name == "fromkeys" {
                        return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                    }
                }
                let tn = match obj {
                    Value::Type(t) => {
                        return exc(
                            ExcKind::AttributeError,
                            format!("type object '{}' has no attribute '{name}'", t.name()),
                        );
                    }
                    _ => obj.type_name(),
                };
                let e = Exception::new(
                    ExcKind::AttributeError,
                    format!("'{tn}' object has no attribute '{name}'"),
                );
                let hint = crate::types::exception::suggest(name, method_names(obj));
                Err(Fault::Exc(e.with_hint(hint)))
            }
        }
    }
}
