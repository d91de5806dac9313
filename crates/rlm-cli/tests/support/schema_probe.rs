//! Requests made from a surface's own description, so that a test covers
//! every route and tool the surface has without naming them: the operations
//! of an OpenAPI document (path, query and JSON body parameters), and a
//! minimal valid value for any JSON Schema (an OpenAPI component or an MCP
//! tool's `inputSchema`), with the string fields a probe may fill.
//!
//! A minimal value holds the required properties, the first branch of a
//! `oneOf`/`anyOf`, an array's one item (shaped by its `contains`), and the
//! optional string properties that no branch requires (a name, a context, a
//! message's content), so that a request built from it reaches the handler.

#![allow(dead_code)] // each test binary uses the part it needs

use serde_json::{Map, Value, json};

/// The uuid a minimal value gives a `format: uuid` string.
pub const NIL_UUID: &str = "00000000-0000-4000-8000-000000000000";

/// A JSON Schema and the document its `$ref`s point into.
#[derive(Clone, Copy)]
pub struct Schema<'a> {
    pub root: &'a Value,
    pub node: &'a Value,
}

impl<'a> Schema<'a> {
    pub fn new(root: &'a Value) -> Schema<'a> {
        Schema { root, node: root }
    }

    fn at(&self, node: &'a Value) -> Schema<'a> {
        Schema { root: self.root, node }
    }

    /// This schema with its `$ref` followed (to any depth).
    pub fn resolved(&self) -> Schema<'a> {
        let mut node = self.node;
        for _ in 0..32 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.root.pointer(r.trim_start_matches('#')) {
                    Some(target) => node = target,
                    None => break,
                },
                None => break,
            }
        }
        self.at(node)
    }

    fn types(&self) -> Vec<&'a str> {
        match self.node.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The first alternative of a `oneOf`/`anyOf` that is not `null`.
    fn branch(&self) -> Option<Schema<'a>> {
        let alternatives = self.node.get("oneOf").or_else(|| self.node.get("anyOf"))?;
        alternatives
            .as_array()?
            .iter()
            .map(|a| self.at(a).resolved())
            .find(|a| a.types() != ["null"] && a.node.get("type") != Some(&json!("null")))
    }

    /// Whether a value of this schema may be a string.
    pub fn is_string(&self) -> bool {
        let s = self.resolved();
        if s.types().contains(&"string") {
            return true;
        }
        if s.node
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(Value::is_string))
        {
            return true;
        }
        ["oneOf", "anyOf"].iter().any(|k| {
            s.node.get(*k).and_then(Value::as_array).is_some_and(|alts| {
                alts.iter().any(|a| {
                    let a = s.at(a).resolved();
                    a.types().contains(&"string") || a.node.get("enum").is_some()
                })
            })
        })
    }

    /// A minimal valid value (see the module docs).
    pub fn minimal(&self) -> Value {
        self.minimal_at(0)
    }

    fn minimal_at(&self, depth: usize) -> Value {
        let s = self.resolved();
        if depth > 16 {
            return Value::Null;
        }
        if let Some(c) = s.node.get("const") {
            return c.clone();
        }
        if let Some(first) = s
            .node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|v| !v.is_null()))
        {
            return first.clone();
        }
        let types = s.types();
        if types.contains(&"object") || s.node.get("properties").is_some() {
            return s.minimal_object(depth);
        }
        if types.contains(&"array") {
            let mut items = Vec::new();
            if s.node.get("minItems").and_then(Value::as_u64).unwrap_or(0) > 0
                || s.node.get("contains").is_some()
            {
                let mut item =
                    s.node.get("items").map_or(json!("probe"), |i| s.at(i).minimal_at(depth + 1));
                if let (Some(contains), Value::Object(fields)) = (s.node.get("contains"), &mut item)
                {
                    for (name, p) in
                        contains.get("properties").and_then(Value::as_object).into_iter().flatten()
                    {
                        if let Some(c) = p.get("const") {
                            fields.insert(name.clone(), c.clone());
                        }
                    }
                }
                items.push(item);
            }
            return Value::Array(items);
        }
        if types.contains(&"string") {
            if s.node.get("format").and_then(Value::as_str) == Some("uuid") {
                return json!(NIL_UUID);
            }
            let min = s.node.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            return json!("probe".repeat(min.div_ceil(5).max(1)));
        }
        if types.contains(&"integer") || types.contains(&"number") {
            return s.node.get("minimum").cloned().unwrap_or(json!(1));
        }
        if types.contains(&"boolean") {
            return json!(false);
        }
        if let Some(branch) = s.branch() {
            return branch.minimal_at(depth + 1);
        }
        if types == ["null"] {
            return Value::Null;
        }
        // `{}`: any value.
        json!("probe")
    }

    fn minimal_object(&self, depth: usize) -> Value {
        let mut out = Map::new();
        let props = self.node.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = self
            .node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // A `oneOf`/`anyOf` of required sets: the first branch's fields.
        let mut branch_required: Vec<&str> = Vec::new();
        let mut named_by_branches: Vec<&str> = Vec::new();
        for key in ["oneOf", "anyOf"] {
            for (i, alt) in
                self.node.get(key).and_then(Value::as_array).into_iter().flatten().enumerate()
            {
                let names: Vec<&str> = alt
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                named_by_branches.extend(&names);
                if i == 0 {
                    branch_required.extend(&names);
                }
            }
        }
        for (name, p) in props.into_iter().flatten() {
            let schema = self.at(p);
            let wanted = required.contains(&name.as_str())
                || branch_required.contains(&name.as_str())
                || (schema.is_string() && !named_by_branches.contains(&name.as_str()));
            if wanted {
                out.insert(name.clone(), schema.minimal_at(depth + 1));
            }
        }
        Value::Object(out)
    }

    /// JSON pointers of the string fields a probe may fill in a value of
    /// this (object) schema: every string property at its top level,
    /// present or not, and every string leaf of `minimal` below it.
    pub fn string_fields(&self, minimal: &Value) -> Vec<String> {
        let mut out = Vec::new();
        let s = self.resolved();
        for (name, p) in s.node.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if s.at(p).is_string() {
                out.push(format!("/{}", escape(name)));
            }
        }
        leaves("", minimal, &mut out);
        out.sort();
        out.dedup();
        out
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn leaves(at: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(_) if !at.is_empty() => out.push(at.to_string()),
        Value::Object(fields) => {
            for (k, v) in fields {
                leaves(&format!("{at}/{}", escape(k)), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&format!("{at}/{i}"), v, out);
            }
        }
        _ => {}
    }
}

/// `value` with the field at `pointer` set to `to` (made when absent at the top level).
pub fn with_field(value: &Value, pointer: &str, to: Value) -> Value {
    let mut out = value.clone();
    if let Some(slot) = out.pointer_mut(pointer) {
        *slot = to;
    } else if let (Some(name), Value::Object(fields)) = (pointer.strip_prefix('/'), &mut out) {
        fields.insert(name.replace("~1", "/").replace("~0", "~"), to);
    }
    out
}

/// One operation of an OpenAPI document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    /// Path parameters, in order.
    pub path_params: Vec<String>,
    /// Query parameters and their schemas.
    pub query_params: Vec<(String, Value)>,
    /// The JSON body's schema (`None`: no JSON body).
    pub body: Option<Value>,
    /// Other body kinds it takes (multipart...), which a JSON probe does not send.
    pub other_bodies: Vec<String>,
}

impl Operation {
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Whether it changes what it names (run last, after the probes that read).
    pub fn mutates(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "DELETE" | "PATCH")
    }
}

/// Every operation of `spec`, in path then method order.
pub fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let mut path_params = Vec::new();
            let mut query_params = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default().to_string();
                match p["in"].as_str() {
                    Some("path") => path_params.push(name),
                    Some("query") => query_params.push((name, p["schema"].clone())),
                    _ => {}
                }
            }
            let content = op.pointer("/requestBody/content").and_then(Value::as_object);
            let body = content.and_then(|c| c.get("application/json")).map(|c| c["schema"].clone());
            let other_bodies = content
                .map(|c| c.keys().filter(|k| *k != "application/json").cloned().collect())
                .unwrap_or_default();
            out.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                path_params,
                query_params,
                body,
                other_bodies,
            });
        }
    }
    out
}

/// `path` with its `{name}` parameters replaced by `values`, in order (percent-encoded).
pub fn fill_path(path: &str, params: &[String], values: &[&str]) -> String {
    let mut out = path.to_string();
    for (name, value) in params.iter().zip(values) {
        out = out.replace(&format!("{{{name}}}"), &encode(value));
    }
    out
}

/// Percent-encodes what a path segment or query value cannot hold as is.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every combination of `vocabulary` for `n` slots (`n` = 0: one, empty).
pub fn combinations<'v>(vocabulary: &[&'v str], n: usize) -> Vec<Vec<&'v str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new()];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                vocabulary.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(*v);
                    next
                })
            })
            .collect();
    }
    out
}

/// The largest value a client may send in each top-level field of a value
/// of this (object) schema, `bytes` of JSON each: a string field gets one
/// long string; any other field (an object, an array, a value of any type)
/// gets an array of short strings, the shape whose parse costs the most
/// per byte. One `(pointer, value)` per field.
pub fn maximal_fields(schema: Schema<'_>, bytes: usize) -> Vec<(String, Value)> {
    let s = schema.resolved();
    let mut out = Vec::new();
    for (name, p) in s.node.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let field = s.at(p);
        let value = if field.is_string() {
            json!("x".repeat(bytes))
        } else {
            // `"x",` is four bytes.
            Value::Array(vec![json!("x"); bytes / 4])
        };
        out.push((format!("/{}", escape(name)), value));
    }
    out
}
