//! Built-in functions (`print`, `len`, `sorted`, ...), split by family into
//! this folder's files, the names deliberately left out (with hints), and the
//! host-function entry points (`llm_query` and what the embedder registers).
//! Calling a type (`int(...)`, `dict(...)`) is `constructors.rs`.

pub(crate) mod constructors;
pub(crate) mod conversion;
pub(crate) mod cost;
pub(crate) mod introspection;
pub(crate) mod io;
pub(crate) mod iteration;
pub(crate) mod numeric;
mod round;
pub(crate) mod sort;

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::{Kwargs, kw};
use crate::builtins::cost::Over::{Arg, Args, WorkDone};
use crate::builtins::cost::{COPY, CostTable, FREE, SCAN, cost};
use crate::fault::{Fault, PendingCall, R, exc, type_err};
use crate::host::{HostFunc, HostReturn};
use crate::value::*;
use crate::vm::Vm;

/// The built-in functions and what each costs beyond its instruction
/// (`cost.rs`): `FREE` ones are bounded, or charge as they proceed (`print`
/// through the output writer, `repr` per value written, `any` per item
/// drawn); the others over the arguments they walk.
pub(crate) const FUNCTIONS: CostTable = &[
    ("print", FREE),
    ("len", FREE),
    ("range", FREE),
    ("enumerate", FREE),
    ("zip", FREE),
    ("sorted", cost(Arg(0), COPY)),
    ("reversed", cost(Arg(0), COPY)),
    ("min", cost(Args, SCAN)),
    ("max", cost(Args, SCAN)),
    ("sum", cost(Arg(0), SCAN)),
    ("any", FREE),
    ("all", FREE),
    ("abs", FREE),
    ("round", FREE),
    ("isinstance", FREE),
    ("issubclass", FREE),
    ("hasattr", FREE),
    ("getattr", FREE),
    ("repr", FREE),
    ("ascii", FREE),
    ("chr", FREE),
    ("ord", FREE),
    ("map", FREE),
    ("filter", FREE),
    ("divmod", FREE),
    ("pow", FREE),
    ("hex", FREE),
    ("bin", FREE),
    ("oct", FREE),
    // Lazy over a sequence or a string; the copy a set, deque or dict
    // iterator takes at its start is charged by `Vm::get_iter`.
    ("iter", cost(WorkDone, SCAN)),
    ("next", FREE),
    ("callable", FREE),
    ("hash", cost(Arg(0), SCAN)),
    ("id", FREE),
    ("format", cost(Arg(0), COPY)),
    ("input", FREE),
    ("dir", FREE),
    ("FINAL", FREE),
    ("FINAL_VAR", FREE),
    ("SHOW_VARS", FREE),
];

const TYPE_NAMES: &[&str] = &[
    "int",
    "float",
    "str",
    "bool",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "range",
    "type",
    "slice",
    "None",
];

/// Names that exist in Python but not here, with what to do instead.
fn unavailable_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "eval" | "exec" | "compile" => {
            "running code from strings is not available in this sandbox; write the code directly"
        }
        "open" => "files are not available in this sandbox; the data is in `context`",
        "globals" | "locals" | "vars" => {
            "introspection is not available; use SHOW_VARS() to list variables"
        }
        "__builtins__" => {
            "the builtins namespace is not available in this sandbox (no introspection)"
        }
        "__import__" => {
            "use a plain `import` statement (available modules: re, json, math, collections, itertools, functools, string, textwrap, asyncio, datetime)"
        }
        "setattr" | "delattr" | "super" | "object" | "property" | "classmethod"
        | "staticmethod" => "classes and objects are not available here; use dicts and functions",
        "exit" | "quit" => "to finish, call FINAL(answer)",
        "breakpoint" | "help" | "memoryview" | "bytearray" | "bytes" => {
            "this builtin is not available in this sandbox"
        }
        _ => return None,
    })
}

pub fn name_error(name: &str) -> Rc<Exception> {
    match unavailable_hint(name) {
        Some(h) => {
            Exception::new(ExcKind::NameError, format!("name '{name}' is not defined ({h})"))
        }
        None => Exception::new(ExcKind::NameError, format!("name '{name}' is not defined"))
            .with_hint(crate::value::suggest(
                name,
                FUNCTIONS.iter().map(|(n, _)| *n).chain(TYPE_NAMES.iter().copied()),
            )),
    }
}

pub fn lookup_builtin(name: &str) -> Option<Value> {
    let ty = match name {
        "int" => Some(Ty::Int),
        "float" => Some(Ty::Float),
        "str" => Some(Ty::Str),
        "bool" => Some(Ty::Bool),
        "list" => Some(Ty::List),
        "tuple" => Some(Ty::Tuple),
        "dict" => Some(Ty::Dict),
        "set" => Some(Ty::Set),
        "frozenset" => Some(Ty::FrozenSet),
        "range" => Some(Ty::Range),
        "type" => Some(Ty::Type),
        "slice" => Some(Ty::Slice),
        _ => None,
    };
    if let Some(t) = ty {
        return Some(Value::Type(t));
    }
    if let Some(k) = ExcKind::ALL.iter().find(|k| k.name() == name) {
        return Some(Value::Type(Ty::Exc(*k)));
    }
    if name == "None" {
        return Some(Value::None);
    }
    // Small models write the answer call in other cases (`Final("x")`, measured
    // with Qwen2.5-Coder-1.5B: six steps lost to NameError); they are the same
    // function. A program's own binding of the name is found first.
    let name = match name {
        "Final" | "final" => "FINAL",
        "Final_var" | "Final_Var" | "final_var" => "FINAL_VAR",
        other => other,
    };
    if let Some((name, _)) = FUNCTIONS.iter().find(|(n, _)| *n == name) {
        return Some(Value::Builtin(Rc::new(BuiltinFn {
            module: "",
            name: SmolStr::new_static(name),
        })));
    }
    None
}

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
                            FUNCTIONS,
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
                        constructors::CONSTRUCTORS,
                        t.name(),
                        None,
                        &args,
                    )?;
                }
                self.construct(*t, args, kwargs)
            }
            other => type_err(format!("'{}' object is not callable", other.type_name())),
        }
    }

    fn call_host(&mut self, name: &SmolStr, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let Some(h) = self.host_funcs.get(name).cloned() else {
            return Err(Fault::Exc(name_error(name)));
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
                self.io_builtin(name, args, kwargs)
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
            other => Err(Fault::Exc(name_error(other))),
        }
    }
}
