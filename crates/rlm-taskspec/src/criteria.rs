//! [`SuccessCriteria`]: a task's criteria compiled once (regexes, the JSON
//! Schema), checked against each FINAL answer; [`CriteriaReport`] says which
//! passed and renders the feedback for the ones that did not.

use serde::Serialize;

use crate::error::TaskSpecError;
use crate::judge::Verdict;
use crate::output_schema::strip_fence;
use crate::prompts::{CRITERIA_FEEDBACK, render};
use crate::spec::{CriteriaSpec, ExpectedOutput, OutputFormat, TaskSpec};

/// The criteria of one task, ready to check answers.
#[derive(Debug)]
pub struct SuccessCriteria {
    exact: Option<String>,
    number: Option<(f64, f64)>,
    contains: Vec<String>,
    regexes: Vec<regex::Regex>,
    min_chars: Option<usize>,
    max_chars: Option<usize>,
    json: Option<JsonCheck>,
    judge: Option<String>,
}

/// The answer must be JSON, matching the schema when there is one.
#[derive(Debug)]
struct JsonCheck {
    validator: Option<jsonschema::Validator>,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionResult {
    /// What was checked, e.g. `contains "Paris"`, `max_chars 200`, `json_schema`.
    pub criterion: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Every criterion's result for one answer, in the order they are declared
/// (exact, number, contains, regex, length, JSON, judge).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CriteriaReport {
    pub results: Vec<CriterionResult>,
}

impl SuccessCriteria {
    /// Compiles a task's criteria and expected output.
    pub fn from_spec(spec: &TaskSpec) -> Result<SuccessCriteria, TaskSpecError> {
        SuccessCriteria::compile(&spec.criteria, &spec.expected)
    }

    /// Compiles criteria: every regex and the schema must be valid, and the
    /// length bounds must leave room for an answer.
    pub fn compile(
        criteria: &CriteriaSpec,
        expected: &ExpectedOutput,
    ) -> Result<SuccessCriteria, TaskSpecError> {
        let regexes = criteria
            .regex
            .iter()
            .map(|pattern| {
                regex::Regex::new(pattern).map_err(|e| TaskSpecError::Regex {
                    pattern: pattern.clone(),
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let (Some(min), Some(max)) = (criteria.min_chars, criteria.max_chars)
            && min > max
        {
            return Err(TaskSpecError::Contradiction(format!(
                "min_chars {min} is above max_chars {max}"
            )));
        }
        let number = match (criteria.number, criteria.tolerance) {
            (None, Some(_)) => {
                return Err(TaskSpecError::Contradiction(
                    "a tolerance is given without a number".into(),
                ));
            }
            (Some(n), t) if !n.is_finite() || t.is_some_and(|t| !t.is_finite() || t < 0.0) => {
                return Err(TaskSpecError::Contradiction(
                    "number and tolerance must be finite, the tolerance not negative".into(),
                ));
            }
            (n, t) => n.map(|n| (n, t.unwrap_or(0.0))),
        };
        let json = match (expected.format, &expected.schema) {
            (OutputFormat::Json, schema) => Some(JsonCheck {
                validator: schema
                    .as_ref()
                    .map(|s| {
                        jsonschema::validator_for(s)
                            .map_err(|e| TaskSpecError::Schema { message: e.to_string() })
                    })
                    .transpose()?,
            }),
            (OutputFormat::Text, Some(_)) => {
                return Err(TaskSpecError::Contradiction(
                    "a schema is given but the expected format is text (set format = \"json\")"
                        .into(),
                ));
            }
            (OutputFormat::Text, None) => None,
        };
        Ok(SuccessCriteria {
            exact: criteria.exact.clone(),
            number,
            contains: criteria.contains.clone(),
            regexes,
            min_chars: criteria.min_chars,
            max_chars: criteria.max_chars,
            json,
            judge: criteria.judge.clone(),
        })
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.exact.is_none()
            && self.number.is_none()
            && self.contains.is_empty()
            && self.regexes.is_empty()
            && self.min_chars.is_none()
            && self.max_chars.is_none()
            && self.json.is_none()
            && self.judge.is_none()
    }

    /// The judge's requirement, when the task has one (the loop asks the
    /// model and adds the verdict with [`CriteriaReport::add_judge`]).
    pub fn judge(&self) -> Option<&str> {
        self.judge.as_deref()
    }

    /// Checks every criterion but the judge against `answer`.
    pub fn check(&self, answer: &str) -> CriteriaReport {
        let mut results = Vec::new();
        if let Some(exact) = &self.exact {
            let passed = answer.trim() == exact.trim();
            results.push(CriterionResult {
                criterion: format!("exactly {exact:?}"),
                passed,
                detail: if passed { String::new() } else { "the answer differs".into() },
            });
        }
        if let Some((number, tolerance)) = self.number {
            let stated = numbers_in(answer);
            let passed = stated.iter().any(|n| (n - number).abs() <= tolerance);
            results.push(CriterionResult {
                criterion: format!("number {number} ± {tolerance}"),
                passed,
                detail: match (passed, stated.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => "the answer states no number".into(),
                    (false, false) => format!("the answer states {stated:?}"),
                },
            });
        }
        for needle in &self.contains {
            let passed = answer.contains(needle.as_str());
            results.push(CriterionResult {
                criterion: format!("contains {needle:?}"),
                passed,
                detail: if passed { String::new() } else { format!("{needle:?} does not appear") },
            });
        }
        for re in &self.regexes {
            let passed = re.is_match(answer);
            results.push(CriterionResult {
                criterion: format!("matches /{}/", re.as_str()),
                passed,
                detail: if passed { String::new() } else { "no match".into() },
            });
        }
        let chars = answer.chars().count();
        if let Some(min) = self.min_chars {
            results.push(CriterionResult {
                criterion: format!("min_chars {min}"),
                passed: chars >= min,
                detail: if chars >= min { String::new() } else { format!("{chars} characters") },
            });
        }
        if let Some(max) = self.max_chars {
            results.push(CriterionResult {
                criterion: format!("max_chars {max}"),
                passed: chars <= max,
                detail: if chars <= max { String::new() } else { format!("{chars} characters") },
            });
        }
        if let Some(json) = &self.json {
            results.extend(json.check(answer));
        }
        CriteriaReport { results }
    }
}

impl JsonCheck {
    fn check(&self, answer: &str) -> Vec<CriterionResult> {
        let value = match serde_json::from_str::<serde_json::Value>(strip_fence(answer)) {
            Ok(v) => v,
            Err(e) => {
                return vec![CriterionResult {
                    criterion: "valid JSON".into(),
                    passed: false,
                    detail: format!("the answer is not JSON: {e}"),
                }];
            }
        };
        let mut out = vec![CriterionResult {
            criterion: "valid JSON".into(),
            passed: true,
            detail: String::new(),
        }];
        if let Some(validator) = &self.validator {
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .take(5)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    if at.is_empty() { e.to_string() } else { format!("at {at}: {e}") }
                })
                .collect();
            out.push(CriterionResult {
                criterion: "json_schema".into(),
                passed: errors.is_empty(),
                detail: errors.join("; "),
            });
        }
        out
    }
}

/// The numbers `answer` states (`1,234` is 1234; at most 64 of them).
fn numbers_in(answer: &str) -> Vec<f64> {
    static NUMBER: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"-?\d[\d,]*(?:\.\d+)?").ok());
    let Some(re) = NUMBER.as_ref() else { return Vec::new() };
    re.find_iter(answer)
        .filter_map(|m| m.as_str().replace(',', "").parse::<f64>().ok())
        .take(64)
        .collect()
}

impl CriteriaReport {
    /// Whether every criterion passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }

    /// How many passed.
    pub fn passed_count(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }

    /// Adds the judge's verdict on `requirement`.
    pub fn add_judge(&mut self, requirement: &str, verdict: Verdict) {
        let (passed, detail) = match verdict {
            Verdict::Pass => (true, String::new()),
            Verdict::Fail(reason) => (false, reason),
        };
        self.results.push(CriterionResult {
            criterion: format!("judge: {requirement}"),
            passed,
            detail,
        });
    }

    /// The text sent back to the model when some criterion failed; `None`
    /// when all passed.
    pub fn feedback(&self) -> Option<String> {
        if self.passed() {
            return None;
        }
        let failures: Vec<String> = self
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| format!("- {}: {}", r.criterion, r.detail))
            .collect();
        let failed = failures.len().to_string();
        let total = self.results.len().to_string();
        Some(render(
            CRITERIA_FEEDBACK,
            &[("failed", &failed), ("total", &total), ("failures", &failures.join("\n"))],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(toml_text: &str) -> SuccessCriteria {
        SuccessCriteria::from_spec(&TaskSpec::from_toml(toml_text).unwrap()).unwrap()
    }

    #[test]
    fn text_criteria_report_each_result() {
        let c = criteria(
            "question = \"q\"\n[criteria]\ncontains = [\"1969\"]\nregex = ['Apollo \\d+']\nmin_chars = 10\nmax_chars = 40\n",
        );
        let good = c.check("Apollo 11 landed in 1969.");
        assert!(good.passed(), "{good:?}");
        assert_eq!(good.results.len(), 4);
        let bad = c.check("In 1970.");
        assert!(!bad.passed());
        let failed: Vec<&str> =
            bad.results.iter().filter(|r| !r.passed).map(|r| r.criterion.as_str()).collect();
        assert_eq!(failed, ["contains \"1969\"", "matches /Apollo \\d+/", "min_chars 10"]);
        assert_eq!(bad.passed_count(), 1);
        let feedback = bad.feedback().unwrap();
        assert!(feedback.contains("fails 3 of the task's 4"), "{feedback}");
        assert!(feedback.contains("- min_chars 10: 8 characters"), "{feedback}");
        assert_eq!(good.feedback(), None);
    }

    #[test]
    fn exact_and_numeric_criteria() {
        let c = criteria("question = \"q\"\n[criteria]\nexact = \"Paris\"\n");
        assert!(c.check("  Paris\n").passed());
        assert!(!c.check("Paris, France").passed());
        let c = criteria("question = \"q\"\n[criteria]\nnumber = 1234\ntolerance = 5\n");
        assert!(c.check("about 1,230 requests").passed());
        assert!(!c.check("about 1,200 requests").passed());
        let report = c.check("none");
        assert_eq!(report.results[0].detail, "the answer states no number");
        let c = criteria("question = \"q\"\n[criteria]\nnumber = -2.5\n");
        assert!(c.check("it fell by -2.5 points").passed());
        let spec = TaskSpec::from_toml("question = \"q\"\n[criteria]\ntolerance = 1\n").unwrap();
        assert!(SuccessCriteria::from_spec(&spec).is_err());
    }

    #[test]
    fn json_schema_criteria() {
        let c = criteria(
            r#"question = "q"
[expected]
format = "json"
schema = { type = "object", required = ["name", "year"], properties = { year = { type = "integer" } } }
"#,
        );
        let ok = c.check("```json\n{\"name\": \"Apollo\", \"year\": 1969}\n```");
        assert!(ok.passed(), "{ok:?}");
        let wrong = c.check("{\"name\": \"Apollo\", \"year\": \"1969\"}");
        assert_eq!(
            wrong.results[0],
            CriterionResult { criterion: "valid JSON".into(), passed: true, detail: String::new() }
        );
        assert!(!wrong.results[1].passed);
        assert!(wrong.results[1].detail.contains("/year"), "{:?}", wrong.results[1]);
        let not_json = c.check("Apollo, 1969");
        assert_eq!(not_json.results.len(), 1);
        assert!(not_json.results[0].detail.starts_with("the answer is not JSON"));
    }

    #[test]
    fn bad_criteria_are_errors() {
        let spec = |t: &str| TaskSpec::from_toml(t).unwrap();
        assert!(matches!(
            SuccessCriteria::from_spec(&spec("question = \"q\"\n[criteria]\nregex = ['(']\n")),
            Err(TaskSpecError::Regex { .. })
        ));
        assert!(matches!(
            SuccessCriteria::from_spec(&spec(
                "question = \"q\"\n[expected]\nformat = \"json\"\nschema = { type = 3 }\n"
            )),
            Err(TaskSpecError::Schema { .. })
        ));
        assert!(matches!(
            SuccessCriteria::from_spec(&spec(
                "question = \"q\"\n[criteria]\nmin_chars = 5\nmax_chars = 2\n"
            )),
            Err(TaskSpecError::Contradiction(_))
        ));
        assert!(matches!(
            SuccessCriteria::from_spec(&spec("question = \"q\"\n[expected]\nschema = {}\n")),
            Err(TaskSpecError::Contradiction(_))
        ));
    }
}
