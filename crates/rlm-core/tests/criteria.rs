//! Success criteria in the loop: a FINAL that fails a criterion is refused
//! with feedback and the run goes on; the result lists which criteria passed.

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_core::{Finish, Rlm, RunResult, SuccessCriteria, TaskSpec};

fn run_task(task_toml: &str, replies: &[&str], max_steps: u64) -> (RunResult, Arc<FakeAdapter>) {
    let spec = TaskSpec::from_toml(task_toml).unwrap();
    let root = Arc::new(FakeAdapter::replies(replies.iter().copied()));
    let rlm = Rlm::builder()
        .root(Arc::clone(&root) as Arc<dyn rlm_adapters::ModelAdapter>)
        .budget(rlm_policy::BudgetLimits { max_steps: Some(max_steps), ..Default::default() })
        // The scripted answers are literals: the evidence guard and the
        // evidence rule (evidence_and_closing.rs, no_evidence.rs) would
        // refuse them before the criteria, which are under test here.
        .options(rlm_core::LoopOptions {
            require_program_before_final: false,
            accept_ungrounded: true,
            ..Default::default()
        })
        .criteria(SuccessCriteria::from_spec(&spec).unwrap())
        .build()
        .unwrap();
    let context = rlm_context::Context::from_text("Apollo 11 landed on the Moon in July 1969.");
    (rlm.run_blocking(&spec.question, context).unwrap(), root)
}

#[test]
fn a_failed_criterion_is_fed_back_and_the_second_final_passes() {
    let task = "question = \"When did Apollo 11 land?\"\n[criteria]\ncontains = [\"1969\"]\nregex = ['July|June']\n";
    let (result, root) = run_task(
        task,
        &[
            "```repl\nFINAL('It landed in the sixties.')\n```",
            "```repl\nFINAL('It landed in July 1969.')\n```",
        ],
        6,
    );
    assert_eq!(result.answer.as_deref(), Some("It landed in July 1969."));
    assert_eq!(result.finish, Finish::Final);
    assert_eq!(result.steps, 2);
    let report = result.criteria.unwrap();
    assert!(report.passed());
    assert_eq!(report.results.len(), 2);
    // The model was told what failed, in the feedback to its first FINAL.
    let requests = root.requests();
    assert_eq!(requests.len(), 2);
    let feedback = &requests[1].messages.last().unwrap().content;
    assert!(feedback.contains("fails 2 of the task's 2 success criteria"), "{feedback}");
    assert!(feedback.contains("contains \"1969\": \"1969\" does not appear"), "{feedback}");
    // The refusal is in the trace.
    let refused = result
        .events
        .iter()
        .filter(|e| matches!(&e.kind, rlm_trace::EventKind::Error(err) if err.message.starts_with("FINAL refused by the task's criteria")))
        .count();
    assert_eq!(refused, 1);
}

#[test]
fn a_json_schema_task_checks_the_answer_against_its_schema() {
    let task = r#"question = "Name the mission and its year as JSON."
[expected]
format = "json"
schema = { type = "object", required = ["mission", "year"], properties = { year = { type = "integer", minimum = 1900 } } }
"#;
    let (result, root) = run_task(
        task,
        &[
            "```repl\nFINAL('{\"mission\": \"Apollo 11\", \"year\": \"1969\"}')\n```",
            "```repl\nimport json\nFINAL(json.dumps({'mission': 'Apollo 11', 'year': 1969}))\n```",
        ],
        6,
    );
    let report = result.criteria.unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(
        report.results.iter().map(|r| r.criterion.as_str()).collect::<Vec<_>>(),
        ["valid JSON", "json_schema"]
    );
    let value: serde_json::Value = serde_json::from_str(result.answer.as_deref().unwrap()).unwrap();
    assert_eq!(value["year"], 1969);
    let feedback = root.requests()[1].messages.last().unwrap().content.clone();
    assert!(feedback.contains("json_schema: at /year"), "{feedback}");
}

#[test]
fn criteria_still_unmet_when_the_budget_ends_are_reported_as_failed() {
    let task = "question = \"q\"\n[criteria]\ncontains = [\"1969\"]\n";
    let (result, root) = run_task(
        task,
        &["```repl\nFINAL('no idea')\n```", "```repl\nFINAL('still no idea')\n```", "no idea"],
        2,
    );
    let report = result.criteria.unwrap();
    assert!(!report.passed());
    assert_eq!(report.passed_count(), 0);
    assert!(
        matches!(result.finish, Finish::Finalized { .. } | Finish::BestEffort { .. }),
        "{:?}",
        result.finish
    );
    // The refused FINAL's feedback named the missing substring.
    assert!(
        root.requests()[1].messages.last().unwrap().content.contains("\"1969\" does not appear")
    );
}

#[test]
fn the_judge_is_asked_after_the_other_criteria_pass() {
    let task = "question = \"When?\"\n[criteria]\ncontains = [\"1969\"]\njudge = \"The answer gives a month.\"\n";
    let (result, root) = run_task(
        task,
        &[
            "```repl\nFINAL('In 1969.')\n```",
            "FAIL: no month is given",
            "```repl\nFINAL('In July 1969.')\n```",
            "PASS",
        ],
        6,
    );
    assert_eq!(result.answer.as_deref(), Some("In July 1969."));
    let report = result.criteria.unwrap();
    assert!(report.passed());
    assert_eq!(report.results[1].criterion, "judge: The answer gives a month.");
    let requests = root.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests[1].messages[0].content.contains("Requirement:\nThe answer gives a month."));
    assert!(requests[2].messages.last().unwrap().content.contains("no month is given"));
}
