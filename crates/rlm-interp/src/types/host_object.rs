//! Host objects' method calls: the embedder's object (its trait,
//! `HostObject`, is `host.rs`'s) answers, charging fuel through a meter, or
//! turns the call into a host call.

use std::rc::Rc;

use crate::args::Kwargs;
use crate::fault::{Fault, PendingCall, R, exc};
use crate::meter::Meter;
use crate::value::*;

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
