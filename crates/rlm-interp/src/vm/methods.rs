//! Calling a method of a built-in or host value (`CallMethod`'s general
//! path, and a type's method that is another's: `s.maketrans`): the arity
//! check, the method's declared cost, the dispatch to the receiver type's
//! file in `types/` (or a module's native object), the result held to the
//! limits. Moved out of `types/mod.rs` (issue #59): the dispatch is the
//! machine's, and from here each type's file is named downwards.

use crate::args::Kwargs;
use crate::fault::{R, type_err};
use crate::value::*;
use crate::vm::Vm;

impl Vm {
    /// Call a method of a built-in or host value; the result is held to the
    /// limits by [`Vm::guard_result`].
    pub(crate) fn call_method(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let v = self.call_method_unguarded(recv, name, args, kwargs)?;
        self.meter.guard_result(&v)?;
        Ok(v)
    }

    fn call_method_unguarded(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let msg = if kwargs.is_empty() {
            crate::types::arity_error(recv, name, args.len())
        } else {
            crate::types::keyword_error(recv, name, args.len(), &kwargs)
        };
        if let Some(msg) = msg {
            return type_err(msg);
        }
        crate::call_cost::charge_with(&mut self.meter, Some(recv), &args, || {
            crate::types::method_cost(recv, name)
        })?;
        if crate::types::changes_receiver(recv, name) {
            crate::types::journal_before_change(&mut self.meter, recv)?;
        }
        // A module's object first (a match's groups, a pattern's search: the
        // methods a `finditer` loop calls), without the arguments' round
        // trip through the protocol's dispatch.
        if let Value::Native(n) = recv {
            return crate::modules::native::native_method(self, recv, n, name, args, kwargs);
        }
        let (args, kwargs) =
            match crate::types::dispatch::call_method(self, recv, name, args, kwargs) {
                Ok(done) => return done,
                Err(back) => back,
            };
        match recv {
            Value::Exc(e) if crate::types::exception_group::is_group(e) => {
                let e = e.clone();
                crate::types::exception_group::method(self, &e, name, args)
            }
            Value::Native(n) => {
                crate::modules::native::native_method(self, recv, n, name, args, kwargs)
            }
            Value::Host(h) => crate::types::host_object::host_object_method(
                &mut self.meter,
                h,
                name,
                args,
                kwargs,
            ),
            Value::Builtin(b) if crate::modules::csv::is_dict_writer_method(b, name) => {
                crate::modules::csv::dict_writer_unbound(self, name, args, kwargs)
            }
            Value::Type(Ty::Float) if name == "fromhex" => {
                crate::types::float::hex::float_fromhex(&args, &kwargs)
            }
            Value::Type(Ty::Dict) if name == "fromkeys" => {
                crate::types::dict::dict_fromkeys(self, &args)
            }
            Value::Type(t @ (Ty::OrderedDict | Ty::DefaultDict | Ty::Counter))
                if name == "fromkeys" =>
            {
                crate::types::dict::flavour_fromkeys(self, *t, &args)
            }
            Value::Type(Ty::Counter) => {
                // `Counter.update(c, ...)`: unbound, the counter is the first
                // argument (its own call is charged).
                let mut it = args.into_iter();
                match it.next() {
                    Some(c @ Value::Dict(_)) => self.call_method(&c, name, it.collect(), kwargs),
                    Some(other) => type_err(format!(
                        "descriptor '{name}' for 'Counter' objects doesn't apply to a '{}' object",
                        other.type_name()
                    )),
                    None => type_err(format!(
                        "Counter.{name}() missing 1 required positional argument: 'self'"
                    )),
                }
            }
            Value::Type(Ty::Other(t)) => {
                crate::modules::datetime::type_method(self, t, name, args, kwargs)
            }
            Value::Type(Ty::Str) if name == "maketrans" => {
                crate::types::str::methods::str_maketrans(&mut self.meter, &args)
            }
            Value::Type(Ty::Str) => {
                // `str.lower(x)` style: unbound method call.
                let mut it = args.into_iter();
                match it.next() {
                    Some(Value::Str(s)) => {
                        crate::types::str::methods::str_method(self, &s, name, it.collect(), kwargs)
                    }
                    _ => type_err(format!("descriptor '{name}' requires a 'str' object")),
                }
            }
            _ => crate::types::no_attr(recv, name),
        }
    }
}
