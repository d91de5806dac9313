//! Host objects: opaque objects the embedder binds (e.g. `ctx`), with
//! methods the program calls; a method charges fuel through a meter and may
//! turn into a host call.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::fault::{Fault, PendingCall, R, exc};
use crate::meter::Meter;
use crate::value::*;

/// An opaque object owned by the embedder (e.g. `ctx`), with methods.
pub trait HostObject {
    fn type_name(&self) -> &str;
    /// Call a method. `None` means "no such method".
    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), crate::limits::LimitError>,
    ) -> Option<Result<crate::host::HostReturn, crate::host::HostError>>;
    /// Attribute read (non-method). `None` means "no such attribute".
    fn get_attr(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// `bool(obj)`, `if obj:` (default: true, as for any object).
    fn truthy(&self) -> bool {
        true
    }
    /// `repr(obj)`, and `str(obj)` unless [`HostObject::str`] says otherwise
    /// (`None`: `<type_name object>`).
    fn repr(&self) -> Option<String> {
        None
    }
    /// `str(obj)`, `print(obj)`, f-strings (`None`: its repr).
    fn str(&self) -> Option<String> {
        None
    }
    /// The object itself, for an embedder that must recognise its own
    /// objects among a program's values (to send one to another process).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// `obj.name(*args, **kwargs)` on a host object.
pub(crate) fn host_object_method(
    meter: &mut Meter,
    h: &Rc<dyn HostObject>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let h = h.clone();
    let r = meter.metered_call(|meter| h.call_method(name, &args, &kwargs, meter))?;
    match r {
        None => exc(
            ExcKind::AttributeError,
            format!("'{}' object has no attribute '{name}'", h.type_name()),
        ),
        Some(Ok(crate::host::HostReturn::Value(v))) => Ok(v),
        Some(Ok(crate::host::HostReturn::Suspend { name, args, kwargs })) => {
            Err(Fault::Suspend(vec![PendingCall { name, args, kwargs }], true))
        }
        Some(Err(e)) => exc(e.kind, e.message),
    }
}
