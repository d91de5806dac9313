//! `Signature::bind` raises the `TypeError`s CPython raises for a `def` with
//! the same parameters: every call below is made on both sides and the
//! messages compared (CPython 3.11 is the oracle).

use std::process::Command;

use rlm_interp::{DefaultValue, ParamType, Signature, SignatureParam, SmolStr, Value};

/// `def llm_query(prompt, model=None, max_tokens=None)`.
fn signature() -> Signature {
    Signature::new(vec![
        SignatureParam::required("prompt", ParamType::Any),
        SignatureParam::optional("model", ParamType::Any, DefaultValue::None),
        SignatureParam::optional("max_tokens", ParamType::Any, DefaultValue::None),
    ])
}

/// Python's call arguments, then ours: positional and keyword.
type Call = (&'static str, Vec<Value>, Vec<(SmolStr, Value)>);

fn calls() -> Vec<Call> {
    let s = || Value::str("p");
    vec![
        ("", vec![], vec![]),
        ("'p', None, None, None", vec![s(), Value::None, Value::None, Value::None], vec![]),
        ("'p', prompt='q'", vec![s()], vec![("prompt".into(), s())]),
        ("'p', temperature=1", vec![s()], vec![("temperature".into(), Value::Int(1))]),
        ("model='m'", vec![], vec![("model".into(), s())]),
        ("'p', None, model='m'", vec![s(), Value::None], vec![("model".into(), s())]),
    ]
}

rlm_testenv::needs_python3! {
    #[test]
    fn binding_errors_match_cpython() {
        let sig = signature();
        let mut script =
            String::from("def llm_query(prompt, model=None, max_tokens=None):\n    pass\n");
        for (py, _, _) in calls() {
            script.push_str(&format!(
                "try:\n    llm_query({py})\nexcept TypeError as e:\n    print(e)\n"
            ));
        }
        let out = Command::new("python3").arg("-c").arg(&script).output().expect("python3 runs");
        let expected: Vec<String> =
            String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
        let ours: Vec<String> = calls()
            .into_iter()
            .map(|(_, args, kwargs)| sig.bind("llm_query", &args, &kwargs).unwrap_err().message)
            .collect();
        assert_eq!(ours, expected);
    }
}
