//! Calling what is not a program function (`Call` of a builtin, a host
//! function, a bound method of a built-in value, a type): the call's
//! declared cost, the dispatch to its family's file in `builtins/` (or a
//! module's function, or the host: a suspension), the result held to the
//! limits. The machine's (moved from `builtins/mod.rs`, issue #59): it reads
//! the host's functions and whether the call is awaited.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::{Kwargs, kw};
use crate::fault::{Fault, PendingCall, R, exc, type_err};
use crate::host::{HostFunc, HostReturn};
use crate::value::*;
use crate::vm::Vm;

/// An awaitable host call, performed when awaited or gathered.
fn host_future(name: SmolStr, args: Vec<Value>, kwargs: Kwargs) -> Value {
    Value::HostFuture(Rc::new(HostFuture {
        name,
        args,
        kwargs,
        awaited: std::cell::Cell::new(false),
    }))
}

impl Vm {
    pub(crate) fn call_nonframe(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        match f {
            Value::Builtin(b) => {
                let v = match b.module {
                    "" => {
                        crate::call_cost::charge_call(
                            &mut self.meter,
                            crate::builtins::names::FUNCTIONS,
                            &b.name,
                            None,
                            &args,
                        )?;
                        self.call_builtin(&b.name, args, kwargs)
                    }
                    "host" => return self.call_host(&b.name, args, kwargs),
                    m => {
                        crate::call_cost::charge_call(
                            &mut self.meter,
                            crate::modules::costs(m),
                            &b.name,
                            None,
                            &args,
                        )?;
                        crate::modules::call_module_fn(self, m, &b.name, args, kwargs)
                    }
                }?;
                self.meter.guard_result(&v)?;
                Ok(v)
            }
            Value::Method(m) => {
                let (recv, name) = (&m.0, &m.1);
                self.call_method(recv, name, args, kwargs)
            }
            Value::Type(t) => {
                if !matches!(t, Ty::Exc(_)) {
                    crate::call_cost::charge_call(
                        &mut self.meter,
                        crate::builtins::constructors::CONSTRUCTORS,
                        t.name(),
                        None,
                        &args,
                    )?;
                }
                crate::builtins::constructors::construct(self, *t, args, kwargs)
            }
            other => type_err(format!("'{}' object is not callable", other.type_name())),
        }
    }

    fn call_host(&mut self, name: &SmolStr, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let Some(h) = self.globals.host_funcs.get(name).cloned() else {
            return Err(Fault::Exc(crate::builtins::names::name_error(name)));
        };
        // Where an awaitable is wanted (`await f(...)`, inside
        // `asyncio.gather(...)`), a call that would suspend returns an
        // awaitable host call instead, so that a gather reaches the host as
        // one batch (grammar/reference.md, "await and asyncio.gather").
        let deferred = self.call_is_deferred();
        match h {
            HostFunc::Suspend { call } if deferred => Ok(host_future(call, args, kwargs)),
            HostFunc::Suspend { call } => {
                Err(Fault::Suspend(vec![PendingCall { name: call, args, kwargs }], true))
            }
            HostFunc::Async { call } => Ok(host_future(call, args, kwargs)),
            HostFunc::Batch { call, awaitable } => {
                let mut args = args.into_iter();
                let items = match args.next().or_else(|| kw(&kwargs, "prompts").cloned()) {
                    Some(v) => self.iterate(&v)?,
                    None => {
                        return type_err(format!(
                            "{name}() missing 1 required positional argument: 'prompts'"
                        ));
                    }
                };
                let rest: Vec<Value> = args.collect();
                let kwargs: Kwargs = kwargs.into_iter().filter(|(k, _)| k != "prompts").collect();
                if awaitable || deferred {
                    let futs = items
                        .into_iter()
                        .map(|p| {
                            let mut a = vec![p];
                            a.extend(rest.iter().cloned());
                            host_future(call.clone(), a, kwargs.clone())
                        })
                        .collect();
                    return Ok(Value::Gather(Rc::new(Gather {
                        items: futs,
                        return_exceptions: false,
                    })));
                }
                let calls = items
                    .into_iter()
                    .map(|p| {
                        let mut a = vec![p];
                        a.extend(rest.iter().cloned());
                        PendingCall { name: call.clone(), args: a, kwargs: kwargs.clone() }
                    })
                    .collect();
                Err(Fault::Suspend(calls, false))
            }
            HostFunc::Inline(f) => match f(&args, &kwargs) {
                Ok(HostReturn::Value(v)) => Ok(v),
                Ok(HostReturn::Suspend { name, args, kwargs }) if deferred => {
                    Ok(host_future(name, args, kwargs))
                }
                Ok(HostReturn::Suspend { name, args, kwargs }) => {
                    Err(Fault::Suspend(vec![PendingCall { name, args, kwargs }], true))
                }
                Err(e) => exc(e.kind, e.message),
            },
            HostFunc::InlineMetered(f) => {
                let r = self.meter.metered_call(|meter| f(&args, &kwargs, meter))?;
                match r {
                    Ok(HostReturn::Value(v)) => Ok(v),
                    Ok(HostReturn::Suspend { name, args, kwargs }) if deferred => {
                        Ok(host_future(name, args, kwargs))
                    }
                    Ok(HostReturn::Suspend { name, args, kwargs }) => {
                        Err(Fault::Suspend(vec![PendingCall { name, args, kwargs }], true))
                    }
                    Err(e) => exc(e.kind, e.message),
                }
            }
        }
    }

    fn call_builtin(&mut self, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        match name {
            "print" | "input" | "FINAL" | "FINAL_VAR" | "SHOW_VARS" => {
                crate::builtins::io::io_builtin(self, name, args, kwargs)
            }
            "len" | "range" | "enumerate" | "zip" | "sorted" | "reversed" | "min" | "max" => {
                crate::builtins::iteration::iteration_builtin(self, name, args, kwargs)
            }
            "any" | "all" | "map" | "filter" | "iter" | "next" => {
                crate::builtins::iteration::functional_builtin(self, name, args)
            }
            "sum" | "abs" | "round" | "divmod" | "pow" => {
                crate::builtins::numeric::numeric_builtin(self, name, args, kwargs)
            }
            "isinstance" | "issubclass" | "hasattr" | "getattr" | "callable" | "hash" | "id"
            | "dir" => crate::builtins::introspection::introspection_builtin(self, name, args),
            "repr" | "ascii" | "chr" | "ord" | "hex" | "bin" | "oct" | "format" => {
                crate::builtins::conversion::conversion_builtin(&mut self.meter, name, args)
            }
            other => Err(Fault::Exc(crate::builtins::names::name_error(other))),
        }
    }
}
