//! The model-facing texts of task criteria, as the model reads them.

use rlm_taskspec::judge::judge_prompt;
use rlm_taskspec::{SuccessCriteria, TaskSpec};

#[test]
fn criteria_feedback_as_sent() {
    let spec = TaskSpec::from_toml(
        "question = \"q\"\n[criteria]\ncontains = [\"1969\"]\nmax_chars = 20\n",
    )
    .unwrap();
    let report = SuccessCriteria::from_spec(&spec).unwrap().check("It was in the year 1970 or so.");
    insta::assert_snapshot!(report.feedback().unwrap());
}

#[test]
fn judge_prompt_as_sent() {
    insta::assert_snapshot!(judge_prompt(
        "When did Apollo 11 land?",
        "In July 1969 {braces kept}.",
        "The answer gives a month and a year."
    ));
}
