//! The function registry's unit tests: binding, signatures and the functions a program calls.
use super::*;

#[test]
fn every_name_and_alias_resolves_and_the_prompt_lists_documented_ones() {
    let r = FunctionRegistry::standard();
    for name in
        ["llm_query", "llm_batch", "llm_query_batched", "llm_query_batch_async", "rlm_query_async"]
    {
        assert!(r.get(name).is_some(), "{name}");
    }
    assert_eq!(r.get("llm_query").unwrap().kind(), Some(FunctionKind::Subcall));
    // llm_batch serves its own prompts (issue #53); its awaitable form's are its.
    assert_eq!(r.get("llm_batch").unwrap().kind(), Some(FunctionKind::Subcall));
    assert_eq!(r.get("llm_batch_async").unwrap().kind(), None);
    let lines = r.prompt_lines();
    assert!(
        lines
            .contains("- `llm_query(prompt, model=None, max_tokens=None, schema=None)` -> str: ask a sub-model"),
        "{lines}"
    );
    assert!(lines.contains("- `extract_after(marker, max_len=200)` -> str or None"), "{lines}");
    assert!(!lines.contains("llm_query_async"));
}

#[test]
fn call_forms_write_each_default_as_python_does() {
    // The form as it was built before it was written in place: one
    // string per parameter, joined.
    fn joined(spec: &FunctionSpec) -> String {
        let params: Vec<String> = spec
            .signature
            .iter()
            .flat_map(|s| &s.params)
            .map(|p| match &p.default {
                None => p.name.to_string(),
                Some(DefaultValue::None) => format!("{}=None", p.name),
                Some(DefaultValue::Bool(b)) => {
                    format!("{}={}", p.name, if *b { "True" } else { "False" })
                }
                Some(DefaultValue::Int(i)) => format!("{}={i}", p.name),
                Some(DefaultValue::Float(f)) => format!("{}={f:?}", p.name),
                Some(DefaultValue::Str(s)) => format!("{}={:?}", p.name, s.as_str()),
            })
            .collect();
        format!("{}({})", spec.name, params.join(", "))
    }
    let mut defaults = 0;
    for flavor in [Flavor::Rlm, Flavor::Pyrlm] {
        for spec in &FunctionRegistry::standard_for(flavor).specs {
            assert_eq!(spec.call_form(), joined(spec));
            defaults += spec
                .signature
                .iter()
                .flat_map(|s| &s.params)
                .filter(|p| p.default.is_some())
                .count();
        }
    }
    assert!(defaults > 10, "{defaults}");
    let r = FunctionRegistry::standard();
    let lines = r.prompt_lines();
    assert_eq!(
        lines.lines().count(),
        r.specs.iter().filter(|s| s.doc.is_some()).count(),
        "{lines}"
    );
}

#[test]
fn a_worker_gets_the_flavor_of_its_manifest() {
    let pyrlm = FunctionRegistry::standard_for(Flavor::Pyrlm);
    let (declared, tools) = pyrlm.worker_manifest();
    let worker = FunctionRegistry::for_worker(&declared, &tools);
    assert!(worker.get("ctx").is_some() && worker.get("llm_query_json").is_some());
    let doc = |r: &FunctionRegistry| r.get("extract_after").and_then(|s| s.doc);
    assert_eq!(doc(&worker), doc(&pyrlm));
    let (declared, tools) = FunctionRegistry::standard().worker_manifest();
    let worker = FunctionRegistry::for_worker(&declared, &tools);
    assert!(worker.get("ctx").is_none() && worker.get("llm_query_json").is_none());
    assert_eq!(doc(&worker), doc(&FunctionRegistry::standard()));
    assert_ne!(doc(&worker), doc(&pyrlm));
}

#[test]
fn calls_bind_to_the_declared_signature() {
    let r = FunctionRegistry::standard();
    let call = |name: &str, args: Vec<Value>| HostCall {
        id: 1,
        name: SmolStr::new(name),
        args,
        kwargs: Vec::new(),
    };
    let bound = r.bind(&call("llm_query", vec![Value::str("hi")])).unwrap();
    assert!(matches!(bound.service, Service::Subcall));
    // prompt, model, max_tokens, schema (issue #57).
    assert_eq!(bound.args.len(), 4);
    let e = r.bind(&call("llm_query", vec![Value::Int(5)])).err().unwrap();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ExcKind::TypeError, "llm_query() argument 'prompt' must be str, not int")
    );
    let e = r.bind(&call("ask", vec![Value::str("q"), Value::Int(5)])).err().unwrap();
    assert_eq!(e.message, "ask() argument 'text' must be str, not int");
    assert!(r.bind(&call("nope", vec![])).is_err());
}

#[test]
fn a_batch_prompt_binds_to_the_item_signature_with_on_error() {
    let r = FunctionRegistry::standard();
    let call = |kwargs: Vec<(SmolStr, Value)>| HostCall {
        id: 1,
        name: SmolStr::new("llm_batch"),
        args: vec![Value::str("one prompt")],
        kwargs,
    };
    let bound = r.bind(&call(Vec::new())).unwrap();
    assert!(matches!(bound.service, Service::BatchSubcall));
    assert_eq!(format!("{:?}", bound.args), "['one prompt', None, None, 'value', None]");
    let raise = r.bind(&call(vec![("on_error".into(), Value::str("raise"))])).unwrap();
    assert_eq!(format!("{:?}", raise.args[3]), "'raise'");
    let e = r.bind(&call(vec![("on_error".into(), Value::str("ignore"))])).err().unwrap();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ExcKind::ValueError,
            "llm_batch() argument 'on_error' must be \"value\" or \"raise\", not 'ignore'"
        )
    );
    let lines = r.prompt_lines();
    assert!(
        lines.contains(
            "- `llm_batch(prompts, model=None, max_tokens=None, on_error=\"value\", schema=None)` -> list of str: "
        ),
        "{lines}"
    );
    // The awaitable form's prompts are llm_batch's.
    let mut session = rlm_interp::Interpreter::new(rlm_interp::Limits::default());
    r.install(&mut session, &rlm_context::Context::from_text("c"));
    match session
        .run_cell("import asyncio\nx = await llm_batch_async(['a', 'b'], on_error='raise')")
    {
        rlm_interp::Outcome::Suspended(calls) => {
            assert_eq!(calls.len(), 2);
            assert!(calls.iter().all(|c| c.name == "llm_batch"), "{calls:?}");
            assert!(r.bind(&calls[0]).is_ok());
        }
        other => panic!("{other:?}"),
    }
}
