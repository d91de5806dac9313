//! Typed signatures of host functions, and the one rule that binds a call's
//! arguments to them: Python's rules for a `def` (positional, then keyword,
//! then defaults) with CPython's `TypeError` wording, plus a type check per
//! parameter worded as CPython's built-ins word theirs
//! (`f() argument 'x' must be str, not int`).
//!
//! A [`Signature`] is plain `Send + Sync` data: an embedder declares its
//! functions once and every session, server and prompt reads the same
//! declaration. Binding never panics on any input.

use crate::value::AlignedBool;
use smol_str::SmolStr;

use crate::host::HostError;
use crate::value::{ExcKind, Value};

/// What a parameter accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// Anything, passed as is.
    Any,
    /// A `str`.
    Str,
    /// An `int` (a `bool` is one, as in Python).
    Int,
    /// An `int` or a `float`.
    Number,
    /// Anything; the function reads its truth value.
    Bool,
    /// A `list` or a `tuple` (its items unchecked).
    List,
    /// A `list` or `tuple` of `str`.
    StrList,
    /// `None`, or the inner type.
    Optional(Box<ParamType>),
}

impl ParamType {
    /// `Optional(inner)`.
    pub fn optional(inner: ParamType) -> ParamType {
        ParamType::Optional(Box::new(inner))
    }

    /// The Python spelling, for signatures shown to a model (`str | None`).
    pub fn python(&self) -> String {
        match self {
            ParamType::Any => "object".into(),
            ParamType::Str => "str".into(),
            ParamType::Int => "int".into(),
            ParamType::Number => "float".into(),
            ParamType::Bool => "bool".into(),
            ParamType::List => "list".into(),
            ParamType::StrList => "list[str]".into(),
            ParamType::Optional(inner) => format!("{} | None", inner.python()),
        }
    }

    /// Whether `v` is accepted.
    fn accepts(&self, v: &Value) -> bool {
        match self {
            ParamType::Any | ParamType::Bool => true,
            ParamType::Str => matches!(v, Value::Str(_)),
            ParamType::Int => matches!(v, Value::Int(_) | Value::Bool(AlignedBool(_))),
            ParamType::Number => {
                matches!(v, Value::Int(_) | Value::Bool(AlignedBool(_)) | Value::Float(_))
            }
            ParamType::List | ParamType::StrList => matches!(v, Value::List(_) | Value::Tuple(_)),
            ParamType::Optional(inner) => matches!(v, Value::None) || inner.accepts(v),
        }
    }

    /// The wording of what is expected, as CPython's built-ins say it.
    fn expected(&self) -> String {
        match self {
            ParamType::Any | ParamType::Bool => "an object".into(),
            ParamType::Str => "str".into(),
            ParamType::Int => "int".into(),
            ParamType::Number => "int or float".into(),
            ParamType::List => "list".into(),
            ParamType::StrList => "list of str".into(),
            ParamType::Optional(inner) => format!("{} or None", inner.expected()),
        }
    }
}

/// A parameter's default value (plain data, so signatures are `Send + Sync`).
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(SmolStr),
}

impl DefaultValue {
    fn to_value(&self) -> Value {
        match self {
            DefaultValue::None => Value::None,
            DefaultValue::Bool(b) => Value::Bool(AlignedBool(*b)),
            DefaultValue::Int(i) => Value::Int(*i),
            DefaultValue::Float(f) => Value::Float(*f),
            DefaultValue::Str(s) => Value::str(s.as_str()),
        }
    }

    /// As Python writes it.
    fn python(&self) -> String {
        match self {
            DefaultValue::None => "None".into(),
            DefaultValue::Bool(true) => "True".into(),
            DefaultValue::Bool(false) => "False".into(),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(f) => format!("{f:?}"),
            DefaultValue::Str(s) => format!("{:?}", s.as_str()),
        }
    }
}

/// One parameter: positional-or-keyword, as in a plain `def`.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureParam {
    pub name: SmolStr,
    pub ty: ParamType,
    /// `None`: required.
    pub default: Option<DefaultValue>,
}

impl SignatureParam {
    /// A required parameter.
    pub fn required(name: &str, ty: ParamType) -> SignatureParam {
        SignatureParam { name: SmolStr::new(name), ty, default: None }
    }

    /// A parameter with a default.
    pub fn optional(name: &str, ty: ParamType, default: DefaultValue) -> SignatureParam {
        SignatureParam { name: SmolStr::new(name), ty, default: Some(default) }
    }
}

/// A function's parameters, in order. Required parameters come first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signature {
    pub params: Vec<SignatureParam>,
}

impl Signature {
    pub fn new(params: Vec<SignatureParam>) -> Signature {
        Signature { params }
    }

    /// `name(a: str, b: int | None = None)`, as the prompt lists it.
    pub fn render(&self, name: &str) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| match &p.default {
                None => format!("{}: {}", p.name, p.ty.python()),
                Some(d) => format!("{}: {} = {}", p.name, p.ty.python(), d.python()),
            })
            .collect();
        format!("{name}({})", params.join(", "))
    }

    /// Binds a call of `fname` to the parameters: one value per parameter, in
    /// order, defaults filled in. Errors are the `TypeError`s CPython raises
    /// for a `def` with this signature, then a type check per parameter.
    pub fn bind(
        &self,
        fname: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
    ) -> Result<Vec<Value>, HostError> {
        let n = self.params.len();
        if args.len() > n {
            return Err(type_error(too_many_positional(fname, self.required(), n, args.len())));
        }
        let mut bound: Vec<Option<Value>> = args.iter().cloned().map(Some).collect();
        bound.resize(n, None);
        for (k, v) in kwargs {
            match self.params.iter().position(|p| p.name == *k) {
                Some(i) if bound[i].is_some() => {
                    return Err(type_error(format!(
                        "{fname}() got multiple values for argument '{k}'"
                    )));
                }
                Some(i) => bound[i] = Some(v.clone()),
                None => {
                    return Err(type_error(format!(
                        "{fname}() got an unexpected keyword argument '{k}'"
                    )));
                }
            }
        }
        let mut missing = Vec::new();
        for (slot, p) in bound.iter_mut().zip(&self.params) {
            if slot.is_none() {
                match &p.default {
                    Some(d) => *slot = Some(d.to_value()),
                    None => missing.push(p.name.clone()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(type_error(missing_positional(fname, &missing)));
        }
        // An int-like object (`re.IGNORECASE`, an int subclass in CPython)
        // reaches the host as the int it is: hosts know no module objects.
        let values: Vec<Value> = bound
            .into_iter()
            .flatten()
            .map(|v| match &v {
                Value::Native(n) => n.as_int().map_or(v, Value::Int),
                _ => v,
            })
            .collect();
        for (v, p) in values.iter().zip(&self.params) {
            check_type(fname, p, v)?;
        }
        Ok(values)
    }

    fn required(&self) -> usize {
        self.params.iter().filter(|p| p.default.is_none()).count()
    }
}

fn check_type(fname: &str, p: &SignatureParam, v: &Value) -> Result<(), HostError> {
    if !p.ty.accepts(v) {
        return Err(type_error(format!(
            "{fname}() argument '{}' must be {}, not {}",
            p.name,
            p.ty.expected(),
            v.type_name()
        )));
    }
    let items = match (&p.ty, v) {
        (ParamType::StrList, Value::List(l)) => l.borrow().clone(),
        (ParamType::StrList, Value::Tuple(t)) => t.iter().cloned().collect(),
        _ => return Ok(()),
    };
    match items.iter().position(|item| !matches!(item, Value::Str(_))) {
        Some(i) => Err(type_error(format!(
            "{fname}() argument '{}' must be a list of str, but item {i} is {}",
            p.name,
            items[i].type_name()
        ))),
        None => Ok(()),
    }
}

fn type_error(message: String) -> HostError {
    HostError::typed(ExcKind::TypeError, message)
}

/// CPython's "takes N positional arguments but M were given".
pub(crate) fn too_many_positional(fname: &str, min: usize, max: usize, given: usize) -> String {
    let takes = if min < max { format!("from {min} to {max}") } else { max.to_string() };
    format!(
        "{fname}() takes {takes} positional argument{} but {given} {} given",
        if max == 1 && min == max { "" } else { "s" },
        if given == 1 { "was" } else { "were" }
    )
}

/// CPython's "missing N required positional argument(s): 'a' and 'b'".
pub(crate) fn missing_positional(fname: &str, names: &[SmolStr]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match quoted.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    format!(
        "{fname}() missing {} required positional argument{}: {list}",
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llm_query() -> Signature {
        Signature::new(vec![
            SignatureParam::required("prompt", ParamType::Str),
            SignatureParam::optional(
                "model",
                ParamType::optional(ParamType::Str),
                DefaultValue::None,
            ),
            SignatureParam::optional(
                "max_tokens",
                ParamType::optional(ParamType::Int),
                DefaultValue::None,
            ),
        ])
    }

    fn err(r: Result<Vec<Value>, HostError>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ExcKind::TypeError);
        e.message
    }

    #[test]
    fn an_int_like_object_reaches_the_host_as_its_int() {
        // `llm_query(p, max_tokens=re.IGNORECASE)`: the host sees 2, not a module object.
        let flag = crate::modules::re::flag(2);
        let v = llm_query().bind("llm_query", &[Value::str("p")], &[("max_tokens".into(), flag)]);
        assert!(matches!(&v.unwrap()[..], [Value::Str(_), Value::None, Value::Int(2)]));
    }

    #[test]
    fn binds_positional_keyword_and_defaults() {
        let s = llm_query();
        let v = s.bind("llm_query", &[Value::str("hi")], &[]).unwrap();
        assert!(matches!(&v[..], [Value::Str(_), Value::None, Value::None]));
        let v = s
            .bind(
                "llm_query",
                &[],
                &[("max_tokens".into(), Value::Int(5)), ("prompt".into(), Value::str("p"))],
            )
            .unwrap();
        assert!(matches!(&v[..], [Value::Str(_), Value::None, Value::Int(5)]));
        assert_eq!(
            s.render("llm_query"),
            "llm_query(prompt: str, model: str | None = None, max_tokens: int | None = None)"
        );
    }

    #[test]
    fn errors_are_cpythons() {
        let s = llm_query();
        assert_eq!(
            err(s.bind("llm_query", &[], &[])),
            "llm_query() missing 1 required positional argument: 'prompt'"
        );
        assert_eq!(
            err(s.bind(
                "llm_query",
                &[Value::str("a"), Value::None, Value::None, Value::None],
                &[]
            )),
            "llm_query() takes from 1 to 3 positional arguments but 4 were given"
        );
        assert_eq!(
            err(s.bind("llm_query", &[Value::str("a")], &[("prompt".into(), Value::str("b"))])),
            "llm_query() got multiple values for argument 'prompt'"
        );
        assert_eq!(
            err(s.bind("llm_query", &[Value::str("a")], &[("temperature".into(), Value::Int(1))])),
            "llm_query() got an unexpected keyword argument 'temperature'"
        );
        assert_eq!(
            err(s.bind("llm_query", &[Value::Int(5)], &[])),
            "llm_query() argument 'prompt' must be str, not int"
        );
        assert_eq!(
            err(s.bind("llm_query", &[Value::str("a"), Value::Int(1)], &[])),
            "llm_query() argument 'model' must be str or None, not int"
        );
        let two = Signature::new(vec![
            SignatureParam::required("a", ParamType::Any),
            SignatureParam::required("b", ParamType::Any),
        ]);
        assert_eq!(
            err(two.bind("f", &[], &[])),
            "f() missing 2 required positional arguments: 'a' and 'b'"
        );
        assert_eq!(
            err(two.bind("f", &[Value::None, Value::None, Value::None], &[])),
            "f() takes 2 positional arguments but 3 were given"
        );
        let batch = Signature::new(vec![SignatureParam::required("prompts", ParamType::StrList)]);
        assert_eq!(
            err(batch.bind("llm_batch", &[Value::list(vec![Value::str("a"), Value::Int(1)])], &[])),
            "llm_batch() argument 'prompts' must be a list of str, but item 1 is int"
        );
    }
}
