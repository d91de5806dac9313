//! End-to-end runs of the loop with scripted models: multi-step runs with
//! subcalls, `llm_batch` fan-out, recursion, every finalization failure the
//! peers report, budgets, tools, compaction, memory, the SmartRouter. Each
//! asserts the answer and the trace's shape (insta snapshots, no times/ids).

use crate::support;

use std::sync::Arc;

use rlm_adapters::{FakeAdapter, ModelAdapter};
use rlm_context::Context;
use rlm_core::{Finish, LoopOptions, Mode, OverflowPolicy, Rlm, Tool};
use support::{repl, root, scripted, shape};

fn haystack() -> Context {
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("Line {i}: nothing to see here.\n"));
        if i == 137 {
            text.push_str("The secret code is amber-falcon-42.\n");
        }
    }
    Context::from_text(text)
}

fn sub_model() -> Arc<FakeAdapter> {
    scripted("sub", &[("secret code is ([a-z0-9-]+)", "$1")], &[], Some("NOT FOUND"))
}

fn last_user_messages(adapter: &FakeAdapter) -> Vec<String> {
    adapter
        .requests()
        .iter()
        .map(|r| r.messages.last().map(|m| m.content.clone()).unwrap_or_default())
        .collect()
}

#[test]
fn multi_step_run_with_subcalls() {
    let root = root(&[
        &repl("print(len(context), ctx.num_documents())"),
        &repl(
            "chunks = ctx.chunk(2000)\nanswers = llm_batch([f'Find the secret code.\\n{c}' for c in chunks])\nprint(len(chunks), answers)",
        ),
        "The sub-models agree. FINAL(pick_first_answer(answers))",
    ]);
    let sub = sub_model();
    let rlm = Rlm::builder().root(root.clone()).sub_model(sub.clone()).build().unwrap();
    let r = rlm.run_blocking("What is the secret code?", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("amber-falcon-42"));
    assert_eq!(r.finish, Finish::ProseFinal);
    assert_eq!(r.steps, 3);
    assert_eq!(r.mode, Mode::Rlm);
    let chunks = sub.calls();
    assert!(chunks >= 3, "one subcall per chunk, got {chunks}");
    assert_eq!(r.usage.subcalls, chunks);
    // The model saw the real output of each step.
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("REPL output (step 1):\n6"), "{}", fed[1]);
    assert!(fed[2].contains("amber-falcon-42"), "{}", fed[2]);
    insta::assert_snapshot!(shape(&r.events));
}

#[test]
fn llm_batch_fans_out_in_one_suspension() {
    let root = root(&[
        &repl(
            "prompts = [f'item {i}' for i in range(40)]\nres = llm_batch(prompts)\nprint(len(res), res[0], res[39])",
        ),
        &repl("FINAL(str(len(res)))"),
    ]);
    let sub = scripted("sub", &[("item (\\d+)", "answer $1")], &[], None);
    let rlm = Rlm::builder().root(root.clone()).sub_model(sub.clone()).build().unwrap();
    let r = rlm.run_blocking("fan out", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("40"));
    assert_eq!(sub.calls(), 40);
    assert!(last_user_messages(&root)[1].contains("40 answer 0 answer 39"));
    let subcalls = r.events.iter().filter(|e| e.kind.name() == "subcall_started").count();
    assert_eq!(subcalls, 40);
}

#[test]
fn recursion_to_depth_three() {
    // Each level's root reply asks one level deeper; at depth 3 (the limit)
    // rlm_query is a plain sub-model call.
    let root = scripted(
        "root",
        &[
            ("Question: top", &repl("FINAL(rlm_query('level one', context[:500]))")),
            ("Question: level one", &repl("FINAL(rlm_query('level two', context[:400]))")),
            ("Question: level two", &repl("FINAL(rlm_query('level three', context[:300]))")),
            ("Question: level three", &repl("FINAL(rlm_query('level four', context[:200]))")),
        ],
        &[],
        None,
    );
    let sub = scripted("sub", &[("^level four", "deepest answer")], &[], Some("unexpected"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_model(sub.clone())
        .budget(rlm_policy::BudgetLimits { max_depth: Some(3), ..Default::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("top", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("deepest answer"));
    assert_eq!(root.calls(), 4, "runs at depths 0..=3");
    assert_eq!(sub.calls(), 1);
    let depths: Vec<u32> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            rlm_trace::EventKind::RunStarted(s) => Some(s.depth),
            _ => None,
        })
        .collect();
    assert_eq!(depths, vec![0, 1, 2, 3]);
    // The sub-RLM's system prompt says where it is.
    let sys = &root.requests()[3].messages[0].content;
    assert!(sys.contains("depth 3 of 3"), "{sys}");
    insta::assert_snapshot!(shape(&r.events));
}

#[test]
fn sub_rlms_launched_together_run_concurrently() {
    let root = support::scripted_delayed(
        "root",
        &[
            (
                "Question: both",
                &repl(
                    "import asyncio\nrs = await asyncio.gather(rlm_query_async('left half', context[:100]), rlm_query_async('right half', context[-100:]))\nprint(rs)",
                ),
            ),
            ("Question: left half", &repl("FINAL('L:' + str(len(context)))")),
            ("Question: right half", &repl("FINAL('R:' + str(len(context)))")),
            ("REPL output", "FINAL(rs)"),
        ],
        20,
    );
    let rlm = Rlm::builder().root(root.clone()).sub_model(sub_model()).build().unwrap();
    let r = rlm.run_blocking("both", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("['L:100', 'R:100']"));
    // Both sub-runs started before either finished.
    let names: Vec<&str> = r
        .events
        .iter()
        .filter(|e| matches!(e.kind.name(), "run_started" | "run_finished"))
        .map(|e| e.kind.name())
        .collect();
    assert_eq!(&names[..3], &["run_started", "run_started", "run_started"]);
}

#[test]
fn final_inside_a_code_fence() {
    let root = root(&[&repl("x = len(context)\nFINAL(f'{x} chars')")]);
    let r = Rlm::builder().root(root).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some(format!("{} chars", haystack().len_chars()).as_str()));
    assert_eq!(r.finish, Finish::Final);
}

#[test]
fn final_in_prose_with_nested_parentheses() {
    let root = root(&[
        &repl("n = len(context.splitlines())"),
        "I counted them. FINAL(f\"{n} lines ({n // 100} hundred)\")",
    ]);
    let r = Rlm::builder().root(root).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("201 lines (2 hundred)"));
    assert_eq!(r.finish, Finish::ProseFinal);
}

#[test]
fn final_with_prose_inside_the_parentheses() {
    let root = root(&[
        &repl("print(context.splitlines()[137:139])"),
        "FINAL(The code is amber-falcon-42 (from line 137))",
    ]);
    let r = Rlm::builder().root(root).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("The code is amber-falcon-42 (from line 137)"));
}

#[test]
fn final_var_naming_a_missing_variable_is_fed_back() {
    let root = root(&[
        &repl("print(1)"),
        &repl("FINAL_VAR('result')"),
        &repl("result = 'found it'\nFINAL_VAR('result')"),
    ]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("found it"));
    let fed = last_user_messages(&root);
    assert!(
        fed[2].contains("NameError") && fed[2].contains("'result' is not defined"),
        "{}",
        fed[2]
    );
    // Prose FINAL_VAR of a missing name: same.
    let root2 = support::root(&[&repl("print(2)"), "FINAL_VAR(nothing)", &repl("FINAL(2)")]);
    let r2 =
        Rlm::builder().root(root2.clone()).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!(r2.answer.as_deref(), Some("2"));
    assert!(last_user_messages(&root2)[2].contains("'nothing' is not defined"));
}

/// pyrlm-runtime's `examples/minimal.py` flow with its program failing
/// before it assigns `answer`: the prose `FINAL_VAR: answer` that follows
/// must not return the runtime's own `answer` protocol dict
/// (`{'content': '', 'ready': False}`); as pyrlm, the model is told the
/// variable is missing and the next FINAL gives the answer (issue #56).
#[test]
fn final_var_of_the_untouched_answer_protocol_is_fed_back() {
    let root = root(&[
        &repl(
            "snippet = peek(80)\nsummary = llm_query(f'Summarize: {snippet}')\nanswer = f'Summary -> {sumary}'",
        ),
        "FINAL_VAR: answer",
        &repl("answer = f'Summary -> {summary}'"),
        "FINAL_VAR: answer",
    ]);
    let sub = scripted("sub", &[("Summarize", "[fake] short summary")], &[], None);
    let rlm = Rlm::builder().root(root.clone()).sub_model(sub).build().unwrap();
    let context = Context::from_text(
        "RLMs treat long prompts as environment state and inspect them via code.",
    );
    let r = rlm.run_blocking("Give a short summary.", context).unwrap();
    assert_eq!(r.answer.as_deref(), Some("Summary -> [fake] short summary"));
    assert_eq!(r.finish, Finish::ProseFinal);
    let fed = last_user_messages(&root);
    assert!(fed[2].contains("FINAL_VAR missing in REPL"), "{}", fed[2]);
    assert!(!fed[2].contains("'ready'"), "{}", fed[2]);
    // A FINAL of the protocol dict inside a program is refused the same way;
    // text put in its `content` is the answer.
    let root2 = support::root(&[
        &repl("FINAL(answer)"),
        &repl("answer['content'] = 'from the protocol'\nFINAL_VAR('answer')"),
    ]);
    let r2 =
        Rlm::builder().root(root2.clone()).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!(r2.answer.as_deref(), Some("from the protocol"));
    assert!(last_user_messages(&root2)[1].contains("FINAL_VAR missing in REPL"));
}

#[test]
fn invented_output_is_ignored_and_the_real_one_fed_back() {
    let root = root(&[
        &repl("print(peek(10))"),
        "```repl\nn = len(context)\nprint(n)\n```\nOutput:\n```\n999\n```\nSo FINAL(999)",
        "FINAL(n)",
    ]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    let real = haystack().len_chars().to_string();
    assert_eq!(r.answer.as_deref(), Some(real.as_str()));
    assert_eq!(r.steps, 3);
    let fed = last_user_messages(&root);
    assert!(fed[2].contains(&real), "{}", fed[2]);
    assert!(fed[2].contains("FINAL(999) was not accepted"), "{}", fed[2]);
    assert!(fed[2].contains("output you wrote yourself"), "{}", fed[2]);
}

#[test]
fn empty_replies_and_prose_only_replies_are_nudged() {
    let root =
        root(&["", "I think the answer is in the file.", &repl("print(2)"), &repl("FINAL('ok')")]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("ok"));
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("the reply was empty"), "{}", fed[1]);
    assert!(fed[2].contains("no ```repl block"), "{}", fed[2]);
    insta::assert_snapshot!(shape(&r.events));
}

#[test]
fn an_unfenced_program_that_does_not_parse_is_answered_with_its_syntax_error() {
    let root = root(&[
        "i = 0\nwhile True\n    i += 1",
        &repl("n = len(context)\nFINAL('ok' if n else 'empty')"),
    ]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("ok"));
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("expected `:`") && !fed[1].contains("no ```repl block"), "{}", fed[1]);
    insta::assert_snapshot!(fed[1]);
}

#[test]
fn too_many_invalid_replies_end_with_a_finalize_request() {
    let root = scripted(
        "root",
        &[("The run must end now", "FINAL(I could not explore the context)")],
        &["", "", "", ""],
        None,
    );
    let r =
        Rlm::builder().root(root.clone()).build().unwrap().run_blocking("q", haystack()).unwrap();
    // No program ran: the closing reply rests on nothing (issue #78), so the
    // run ends without an answer, the guess kept.
    assert_eq!(r.answer, None);
    assert!(
        matches!(&r.finish, Finish::NoEvidence { guess, reason }
            if guess == "I could not explore the context" && reason.contains("finalized")),
        "{:?}",
        r.finish
    );
    // The third empty reply repeats the others: it earns one held step
    // (issue #78), whose empty reply ends the streak at 4.
    let requests = root.requests();
    assert_eq!(requests.len(), 5, "three replies, the held step, the closing call");
    let closing = requests.last().unwrap().messages.last().unwrap().content.clone();
    assert!(closing.contains("4 replies in a row"), "{closing}");
}

#[test]
fn fallback_program_runs_when_the_model_writes_none() {
    let root = root(&["nothing", "still nothing"]);
    let options = LoopOptions {
        max_invalid_replies: 2,
        fallback_program: Some(
            "i = context.find('secret code')\nFINAL(context[i:i + 40].splitlines()[0])".into(),
        ),
        ..LoopOptions::default()
    };
    let r = Rlm::builder()
        .root(root)
        .options(options)
        .build()
        .unwrap()
        .run_blocking("q", haystack())
        .unwrap();
    assert!(r.answer.as_deref().unwrap().contains("amber-falcon-42"), "{:?}", r.answer);
}

/// pyrlm's `fallback_guard_steps`: at step 2 with `final_answer` still
/// unset, the fallback program runs after the step and its value ends the run.
#[test]
fn fallback_guard_steps_run_the_fallback_when_no_answer_is_set() {
    let programs = [
        repl("print(1)"),
        repl("final_answer = 'none'"),
        repl("print(3)"),
        repl("final_answer = 'late'"),
    ];
    let options = |guard: Option<u32>| LoopOptions {
        fallback_program: Some("final_answer = 'from the fallback'".into()),
        fallback_guard_steps: guard,
        ..LoopOptions::default()
    };
    let run = |guard| {
        let root = root(&[&programs[0], &programs[1], &programs[2], &programs[3]]);
        let r = Rlm::builder()
            .root(root.clone())
            .options(options(guard))
            .build()
            .unwrap()
            .run_blocking("q", haystack())
            .unwrap();
        (r, root.calls())
    };
    let (r, calls) = run(Some(2));
    assert_eq!(
        (r.answer.as_deref(), &r.finish),
        (Some("from the fallback"), &Finish::AutoVariable)
    );
    assert_eq!((r.steps, calls), (2, 2));
    let (r, calls) = run(None);
    assert_eq!((r.answer.as_deref(), r.steps, calls), (Some("late"), 4, 4));
}

/// pyrlm's `subcall_guard_steps`: a sub-model call is required and none was
/// made by step 1, so the fallback program (which makes one) runs; its
/// output goes to the model with the step's when it sets no answer.
#[test]
fn subcall_guard_steps_run_the_fallback_without_a_subcall() {
    let root = root(&[&repl("print('looked')"), &repl("FINAL(found)")]);
    let options = LoopOptions {
        require_subcall_before_final: true,
        subcall_guard_steps: Some(1),
        fallback_program: Some(
            "found = llm_query('secret code is y-2')\nprint('fb', found)".into(),
        ),
        ..LoopOptions::default()
    };
    let r = Rlm::builder()
        .root(root.clone())
        .sub_model(sub_model())
        .options(options)
        .build()
        .unwrap()
        .run_blocking("q", haystack())
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some("y-2"));
    assert_eq!(r.usage.subcalls, 1);
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("looked") && fed[1].contains("fb y-2"), "{}", fed[1]);
}

#[test]
fn wrong_language_is_refused_with_a_hint() {
    let root = root(&[
        "```javascript\nconsole.log(context.length)\n```",
        "```bash\nwc -c context.txt\n```\n```repl\nprint(len(context))\n```",
        "FINAL(done)",
        "FINAL('done')",
    ]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("done"));
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("```javascript is not run here"), "{}", fed[1]);
    assert!(fed[2].contains("```bash were not run"), "{}", fed[2]);
    assert!(fed[3].contains("To answer with that text, quote it: FINAL(\"done\")"), "{}", fed[3]);
}

#[test]
fn final_before_any_program_is_refused() {
    let root = root(&["FINAL(42)", &repl("print(len(context))"), "FINAL(42)"]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.steps, 3);
    assert!(last_user_messages(&root)[1].contains("no program has computed or printed anything"));
}

#[test]
fn require_a_subcall_before_final() {
    let root = root(&[
        &repl("g = context[:5]\nFINAL(g)"),
        &repl("a = llm_query('secret code is x-1')\nFINAL(a)"),
    ]);
    let options = LoopOptions { require_subcall_before_final: true, ..LoopOptions::default() };
    let rlm =
        Rlm::builder().root(root.clone()).sub_model(sub_model()).options(options).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("x-1"));
    assert!(last_user_messages(&root)[1].contains("requires at least one sub-model call"));
}

#[test]
fn answer_dict_protocol_and_auto_final_variable() {
    let root1 = root(&[&repl("answer['content'] = 'via dict'\nanswer['ready'] = True")]);
    let r = Rlm::builder().root(root1).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!((r.answer.as_deref(), &r.finish), (Some("via dict"), &Finish::AnswerReady));
    // Computed (a literal alone would be no evidence: evidence_and_closing.rs).
    let root2 = root(&[&repl("final_answer = 6 * len('abcdefg')")]);
    let r = Rlm::builder().root(root2).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert_eq!((r.answer.as_deref(), &r.finish), (Some("42"), &Finish::AutoVariable));
}

/// pyrlm's `auto_finalize_var="answer"`: the `answer` dict every session
/// starts with is no answer while its content is empty; its content, or a
/// value the program assigns to `answer`, is.
#[test]
fn the_untouched_answer_dict_is_no_auto_final_answer() {
    let run = |programs: &[&str]| {
        let replies: Vec<String> = programs.iter().map(|p| repl(p)).collect();
        let refs: Vec<&str> = replies.iter().map(String::as_str).collect();
        let options =
            LoopOptions { auto_final_var: Some("answer".into()), ..LoopOptions::default() };
        Rlm::builder()
            .root(root(&refs))
            .options(options)
            .build()
            .unwrap()
            .run_blocking("q", haystack())
            .unwrap()
    };
    let r = run(&["print('looking')", "answer = 'amber'"]);
    assert_eq!(
        (r.answer.as_deref(), &r.finish, r.steps),
        (Some("amber"), &Finish::AutoVariable, 2)
    );
    let r = run(&["print('looking')", "answer['content'] = 'teal'"]);
    assert_eq!((r.answer.as_deref(), &r.finish, r.steps), (Some("teal"), &Finish::AutoVariable, 2));
}

#[test]
fn step_budget_exhaustion_ends_with_a_graceful_answer() {
    let root = scripted(
        "root",
        &[("The run must end now", "FINAL(best guess: amber)")],
        &[],
        Some(&repl("answer['content'] = 'partial'\nprint('still looking')")),
    );
    let rlm = Rlm::builder()
        .root(root.clone())
        .budget(rlm_policy::BudgetLimits { max_steps: Some(3), ..Default::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("best guess: amber"));
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    // The soft limit (85% of 3 steps) asks for the answer once 3 steps are used.
    assert_eq!(r.steps, 3);
    let last = last_user_messages(&root).pop().unwrap();
    assert!(last.contains("your program's answer so far: partial"), "{last}");
    insta::assert_snapshot!(shape(&r.events));
}

#[test]
fn token_budget_exhaustion_falls_back_to_the_partial_answer() {
    let root = root(&[
        &repl("answer['content'] = 'partial: ' + peek(4)\nprint('x' * 4000)"),
        &repl("print(1)"),
    ]);
    let rlm = Rlm::builder()
        .root(root)
        .budget(rlm_policy::BudgetLimits {
            max_total_tokens: Some(3000),
            soft_limit_ratio: 1.0,
            ..Default::default()
        })
        .options(LoopOptions { root_max_tokens: Some(100), ..LoopOptions::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("partial: Line"));
    assert!(matches!(r.finish, Finish::BestEffort { .. }), "{:?}", r.finish);
}

#[test]
fn tools_are_callable_and_listed_in_the_prompt() {
    let lookup = Tool::typed(
        "lookup_owner",
        "lookup_owner(code: str) -> str",
        "who owns an access code",
        |(code,): (String,)| {
            if code == "amber-falcon-42" {
                Ok("Ada".to_string())
            } else {
                Err(format!("unknown code {code}"))
            }
        },
    );
    let root = root(&[
        &repl(
            "try:\n    lookup_owner('nope')\nexcept RuntimeError as e:\n    print('error:', e)\nowner = lookup_owner('amber-falcon-42')\nprint(owner)",
        ),
        "FINAL(owner)",
    ]);
    let rlm = Rlm::builder().root(root.clone()).tool(lookup).build().unwrap();
    let r = rlm.run_blocking("who?", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("Ada"));
    let req = &root.requests()[0];
    assert!(
        req.messages[0]
            .content
            .contains("`lookup_owner(code: str) -> str`: who owns an access code")
    );
    assert!(last_user_messages(&root)[1].contains("error: unknown code nope"));
}

#[test]
fn a_declared_tool_binds_by_the_one_rule_and_is_listed_with_its_signature() {
    use rlm_interp::{DefaultValue, ParamType, Signature, SignatureParam};
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let search = Tool::declared(
        "search",
        Signature::new(vec![
            SignatureParam::required("query", ParamType::Str),
            SignatureParam::optional("k", ParamType::Int, DefaultValue::Int(10)),
        ]),
        "list",
        "finds passages",
        move |args: Vec<serde_json::Value>| {
            log.lock().unwrap().push(args.clone());
            std::future::ready(Ok(serde_json::Value::Array(args)))
        },
    );
    let root = root(&[
        &repl(
            "print(search('harbor', k=2), search(query='x'))\nfor bad in [lambda: search(5), lambda: search('a', top=3), lambda: search()]:\n    try:\n        bad()\n    except TypeError as e:\n        print('TypeError:', e)",
        ),
        "FINAL('ok')",
    ]);
    let rlm = Rlm::builder().root(root.clone()).tool(search).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("ok"));
    // Keywords and defaults bound; one JSON value per parameter.
    let calls = seen.lock().unwrap().clone();
    let calls: Vec<serde_json::Value> = calls.into_iter().map(serde_json::Value::Array).collect();
    assert_eq!(calls, vec![serde_json::json!(["harbor", 2]), serde_json::json!(["x", 10])]);
    let fed = &last_user_messages(&root)[1];
    assert!(fed.contains("['harbor', 2] ['x', 10]"), "{fed}");
    // CPython's wording for a `def search(query, k=10)`, and nothing sent.
    assert!(fed.contains("TypeError: search() argument 'query' must be str, not int"), "{fed}");
    assert!(fed.contains("TypeError: search() got an unexpected keyword argument 'top'"), "{fed}");
    assert!(
        fed.contains("TypeError: search() missing 1 required positional argument: 'query'"),
        "{fed}"
    );
    let system = &root.requests()[0].messages[0].content;
    assert!(
        system.contains("`search(query: str, k: int = 10) -> list`: finds passages"),
        "{system}"
    );
}

#[test]
fn compaction_summarises_old_turns_and_keeps_history() {
    // Four different programs (the same one again would not run: issue #78).
    let big = |n: usize| format!("print('y' * 3000, {n})");
    let root = scripted(
        "root",
        &[("Summarise the work so far", "- the context has 201 lines\n- nothing found yet")],
        &[
            &repl(&big(1)),
            &repl(&big(2)),
            &repl(&big(3)),
            &repl(&big(4)),
            &repl("print(len(history))\nFINAL(len(history))"),
        ],
        None,
    );
    let options = LoopOptions { root_window_tokens: Some(3000), ..LoopOptions::default() };
    let rlm = Rlm::builder().root(root.clone()).options(options).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    let n: usize = r.answer.as_deref().unwrap().parse().unwrap();
    assert!(n >= 10, "the full history stays available: {n}");
    // Compaction is its own event kind, not an error (it inflated errors_total).
    let compactions: Vec<&rlm_trace::CompactionEvent> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            rlm_trace::EventKind::Compaction(c) => Some(c),
            _ => None,
        })
        .collect();
    assert!(!compactions.is_empty());
    assert!(
        compactions.iter().all(|c| c.messages_summarised > 0 && c.tokens_after < c.tokens_before)
    );
    let summary = rlm_trace::TraceSummary::from_events(&r.events);
    assert_eq!(summary.errors, 0, "no error was recorded for a compaction");
    assert_eq!(summary.compactions, compactions.len() as u64);
    // After compaction the model sees the summary in the first user message.
    let after = root
        .requests()
        .into_iter()
        .find(|q| q.messages[1].content.contains("Summary of the earlier steps"))
        .expect("a compacted request");
    assert!(after.messages[1].content.contains("nothing found yet"));
    assert!(after.messages.len() <= 2 + 4 + 1);
}

#[test]
fn subcall_over_the_window_fails_visibly_or_is_chunked() {
    let program = "try:\n    llm_query('summarise: ' + 'z' * 20000)\nexcept ValueError as e:\n    print('refused:', e)\nok = llm_query('secret code is q-9')\nprint(ok)";
    let root1 = root(&[&repl(program), "FINAL(ok)"]);
    let sub = Arc::new(FakeAdapter::echo().with_model_name("sub").with_context_window(1000));
    let rlm = Rlm::builder().root(root1.clone()).sub_model(sub.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("secret code is q-9"));
    let fed = last_user_messages(&root1);
    assert!(fed[1].contains("refused: the prompt is ~"), "{}", fed[1]);
    assert!(fed[1].contains("over the sub-model's window of 1000 tokens"), "{}", fed[1]);
    // Chunk policy: the same call is split into parts that fit.
    let root2 = root(&[
        &repl("r = llm_query('summarise: ' + 'z' * 20000)\nprint(len(r))"),
        "FINAL(r.count('part'))",
    ]);
    let sub2 = Arc::new(FakeAdapter::echo().with_model_name("sub").with_context_window(1000));
    let rlm = Rlm::builder()
        .root(root2)
        .sub_model(sub2.clone())
        .options(LoopOptions { sub_overflow: OverflowPolicy::Chunk, ..LoopOptions::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    let parts: usize = r.answer.as_deref().unwrap().parse().unwrap();
    assert!(parts >= 6, "{parts}");
    for req in sub2.requests() {
        let chars: usize = req.messages.iter().map(|m| m.content.chars().count()).sum();
        assert!(chars / 4 <= 1000, "each part fits the window: {chars} chars");
    }
}

#[test]
fn memory_persists_across_runs_of_one_rlm() {
    let root = root(&[
        &repl("memory['seen'] = memory.get('seen', 0) + 1\nFINAL(memory['seen'])"),
        &repl("memory['seen'] = memory.get('seen', 0) + 1\nFINAL(memory['seen'])"),
    ]);
    let rlm = Rlm::builder().root(root).build().unwrap();
    assert_eq!(rlm.run_blocking("q", haystack()).unwrap().answer.as_deref(), Some("1"));
    assert_eq!(rlm.run_blocking("q", haystack()).unwrap().answer.as_deref(), Some("2"));
}

#[test]
fn smart_router_answers_small_contexts_directly() {
    let root = scripted("root", &[("Context:\nsmall", "direct answer")], &[], None);
    let rlm = Rlm::builder().root(root.clone()).smart_router(1000).build().unwrap();
    let r = rlm.run_blocking("q", Context::from_text("small")).unwrap();
    assert_eq!(
        (r.answer.as_deref(), r.mode, &r.finish),
        (Some("direct answer"), Mode::Direct, &Finish::Direct)
    );
    let r = rlm.run_blocking("q", haystack());
    // Above the threshold the loop runs (and this script has no loop replies).
    assert_eq!(r.unwrap().mode, Mode::Rlm);
}

#[test]
fn root_model_failure_ends_the_run_with_the_error() {
    let root = root(&[&repl("answer['content'] = 'so far'")]);
    let r = Rlm::builder().root(root).build().unwrap().run_blocking("q", haystack()).unwrap();
    assert!(matches!(r.finish, Finish::ModelError { .. }), "{:?}", r.finish);
    assert_eq!(r.answer.as_deref(), Some("so far"));
}

#[test]
fn a_limit_error_rolls_the_program_back_and_the_run_goes_on() {
    let root = root(&[
        &repl("kept = 'before'"),
        &repl("kept = 'changed'\nx = 1\nwhile True:\n    pass"),
        &repl("print(len(context), kept)"),
        "FINAL('ok')",
    ]);
    let rlm = Rlm::builder()
        .root(root.clone())
        .interpreter_limits(rlm_interp::Limits { fuel: 100_000, ..Default::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("ok"));
    let fed = last_user_messages(&root);
    assert!(fed[2].contains("The fuel limit stopped this program at line 3"), "{}", fed[2]);
    assert!(fed[2].contains("every variable is as it was before this program ran"), "{}", fed[2]);
    // The session is as it was before the program: `kept` as the first set it.
    let len = haystack().len_chars().to_string();
    assert!(fed[3].contains(&format!("{len} before")), "{}", fed[3]);
}

#[test]
fn async_run_is_send_and_works_on_a_multi_thread_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let root = root(&[&repl("FINAL(len(context))")]);
    let rlm = Rlm::builder().root(root).build().unwrap();
    let fut = rlm.run("q", haystack());
    assert_send(&fut);
    drop(fut);
    let owned = rlm.clone();
    let r = rt
        .block_on(async move {
            tokio::spawn(async move { owned.run("q", haystack()).await }).await.unwrap()
        })
        .unwrap();
    assert_eq!(r.answer, Some(haystack().len_chars().to_string()));
    assert_eq!(rlm.root_model(), root_id());
}

fn root_id() -> String {
    FakeAdapter::replies(["x"]).with_model_name("root").model_id().to_string()
}

#[test]
fn ask_helpers_and_extract_after() {
    let program = "chunks = ctx.chunk(2000)\nall = ask_chunks('What is the secret code?', chunks)\nfirst = ask_chunks_first('What is the secret code?', chunks)\none = ask('What is the secret code?', context[-3000:])\nafter = extract_after('secret code is ', 15)\nnone = extract_after('no such marker')\nprint(len(all), first, one, after, none, pick_first_answer(['NOT FOUND', ' ', 'x']), ask_chunks('q', []))\nFINAL(first)";
    let root = root(&[&repl(program)]);
    let sub = sub_model();
    let rlm = Rlm::builder().root(root).sub_model(sub.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("amber-falcon-42"));
    let out: Vec<String> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            rlm_trace::EventKind::ProgramFinished(p) => Some(p.stdout.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(out[0], "4 amber-falcon-42 amber-falcon-42 amber-falcon-42 None x []\n");
    // Every ask prompt carries the question and the chunk.
    assert!(
        sub.requests()
            .iter()
            .all(|q| q.messages[1].content.starts_with("Question: What is the secret code?"))
    );
}

#[test]
fn assigning_context_is_undone_and_repeats_are_pointed_out() {
    // What a 1.5B model did: overwrite `context` with a copy of the preview,
    // then send the same program again and again.
    let copy = repl("context = \"\"\"Line 0: nothing\"\"\"\nprint(len(context))");
    let root = root(&[&copy, &copy, &repl("print(len(context))"), "FINAL('done')"]);
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let r = rlm.run_blocking("q", haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("done"));
    let fed = last_user_messages(&root);
    assert!(fed[1].contains("Your program assigned `context`; it was restored"), "{}", fed[1]);
    assert!(fed[2].contains("same as your previous one"), "{}", fed[2]);
    assert!(fed[3].contains(&haystack().len_chars().to_string()), "{}", fed[3]);
}
