//! The OOLONG-style aggregation task: one record per line,
//! `Date: Mar 04, 2023 || User: 48213 || Instance: Where is the quiet harbor located?`,
//! each instance a question whose trec-coarse label (abbreviation, entity,
//! description, human, location, numeric) follows from how it starts. The task
//! asks for the count of one label or for the most common label; answering needs
//! every record, so no single chunk suffices.
//!
//! The instance templates are the single source of truth for both generation and
//! [`classify_instance`]: every template starts with a cue owned by one label.

use std::fmt;
use std::str::FromStr;

use crate::rng::Rng;
use crate::task::{MIN_CONTEXT_BYTES, Task, TaskQuestion};
use crate::text::pad_to;

/// The six coarse labels of the TREC question-classification set, as OOLONG uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    Abbreviation,
    Entity,
    Description,
    Human,
    Location,
    Numeric,
}

impl Label {
    pub const ALL: [Label; 6] = [
        Label::Abbreviation,
        Label::Entity,
        Label::Description,
        Label::Human,
        Label::Location,
        Label::Numeric,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Abbreviation => "abbreviation",
            Label::Entity => "entity",
            Label::Description => "description",
            Label::Human => "human",
            Label::Location => "location",
            Label::Numeric => "numeric",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown label '{s}'"))
    }
}

/// Marks the instance text in a record line.
pub(crate) const INSTANCE_MARKER: &str = "Instance: ";
/// How a count question starts; `<label>'?` follows.
pub(crate) const COUNT_QUESTION_PREFIX: &str = "How many instances are labelled '";
/// The most-common question.
pub(crate) const MOST_COMMON_QUESTION: &str = "Which label is the most common among the instances?";

#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "harbor", "bridge", "lantern", "orchard", "library", "engine", "museum", "glacier", "tower",
    "market", "festival", "compass", "telescope", "violin", "volcano", "railway", "cathedral",
    "satellite", "vaccine", "printing press", "windmill", "canal", "typewriter", "lighthouse",
];
#[rustfmt::skip]
const PLURALS: &[&str] = &[
    "bridges", "lanterns", "libraries", "engines", "museums", "glaciers", "towers", "markets",
    "violins", "volcanoes", "islands", "rivers", "castles", "lakes", "bees", "wolves", "owls",
];
#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "oldest", "largest", "quiet", "famous", "ancient", "tallest", "busiest", "smallest", "hidden",
    "northern", "coastal", "royal", "modern", "abandoned", "wooden",
];
#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Norway", "Peru", "Kenya", "Japan", "Portugal", "Chile", "Iceland", "Egypt", "Canada",
    "Vietnam", "Morocco", "Finland", "the Alps", "the Andes", "Sicily", "Tasmania",
];
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "Amelia", "Bruno", "Clara", "Dmitri", "Elena", "Felix", "Grace", "Hugo", "Ingrid", "Jonas",
    "Keiko", "Lucas", "Marta", "Nadia", "Oscar", "Priya",
];
#[rustfmt::skip]
const ORGS: &[&str] =
    &["society", "council", "institute", "association", "bureau", "agency", "league", "union"];
#[rustfmt::skip]
const DEEDS: &[&str] =
    &["invented", "designed", "discovered", "built", "painted", "founded", "named", "restored"];
#[rustfmt::skip]
const ROLES: &[&str] =
    &["president", "mayor", "governor", "captain", "director", "architect", "champion"];
#[rustfmt::skip]
const MONTHS: &[&str] =
    &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Writes the rest of an instance after its cue.
type Tail = fn(&mut Rng, &mut String);

/// Every instance template: the label it carries, its cue (how it starts) and its tail.
/// No cue is a prefix of another, so classification by cue is unambiguous.
const TEMPLATES: &[(Label, &str, Tail)] = &[
    (Label::Abbreviation, "What does ", |r, o| {
        acronym(r, o);
        o.push_str(" stand for?");
    }),
    (Label::Abbreviation, "What is the full form of ", |r, o| {
        acronym(r, o);
        o.push('?');
    }),
    (Label::Abbreviation, "What is the abbreviation for the ", |r, o| {
        push_all(o, &[r.pick(ADJECTIVES), " ", r.pick(NOUNS), " ", r.pick(ORGS), "?"]);
    }),
    (Label::Entity, "What kind of ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " did ", r.pick(NAMES), " choose?"]);
    }),
    (Label::Entity, "What color is the ", |r, o| {
        push_all(o, &[r.pick(ADJECTIVES), " ", r.pick(NOUNS), " in ", r.pick(PLACES), "?"]);
    }),
    (Label::Entity, "Which instrument did ", |r, o| {
        push_all(o, &[r.pick(NAMES), " play at the ", r.pick(ADJECTIVES), " festival?"]);
    }),
    (Label::Entity, "Name one ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " that is ", r.pick(ADJECTIVES), "."]);
    }),
    (Label::Description, "Why do ", |r, o| {
        push_all(o, &[r.pick(PLURALS), " appear near the ", r.pick(NOUNS), "?"]);
    }),
    (Label::Description, "How does the ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " work?"]);
    }),
    (Label::Description, "What is the meaning of the word ", |r, o| {
        push_all(o, &[r.pick(ADJECTIVES), "?"]);
    }),
    (Label::Description, "What is the difference between the ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " and the ", r.pick(NOUNS), "?"]);
    }),
    (Label::Human, "Who ", |r, o| {
        push_all(o, &[r.pick(DEEDS), " the ", r.pick(ADJECTIVES), " ", r.pick(NOUNS), "?"]);
    }),
    (Label::Human, "Name the person who ", |r, o| {
        push_all(o, &[r.pick(DEEDS), " the ", r.pick(NOUNS), " in ", r.pick(PLACES), "."]);
    }),
    (Label::Human, "Which ", |r, o| {
        push_all(o, &[r.pick(ROLES), " of ", r.pick(PLACES), " ", r.pick(DEEDS), " the "]);
        push_all(o, &[r.pick(NOUNS), "?"]);
    }),
    (Label::Location, "Where is the ", |r, o| {
        push_all(o, &[r.pick(ADJECTIVES), " ", r.pick(NOUNS), " located?"]);
    }),
    (Label::Location, "What country has the most ", |r, o| {
        push_all(o, &[r.pick(PLURALS), "?"]);
    }),
    (Label::Location, "In which city is the ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " ", r.pick(ORGS), " based?"]);
    }),
    (Label::Numeric, "How many ", |r, o| {
        push_all(o, &[r.pick(PLURALS), " are there in ", r.pick(PLACES), "?"]);
    }),
    (Label::Numeric, "How much does the ", |r, o| {
        push_all(o, &[r.pick(ADJECTIVES), " ", r.pick(NOUNS), " weigh?"]);
    }),
    (Label::Numeric, "When was the ", |r, o| {
        push_all(o, &[r.pick(NOUNS), " ", r.pick(DEEDS), "?"]);
    }),
    (Label::Numeric, "What year did ", |r, o| {
        push_all(o, &[r.pick(NAMES), " visit ", r.pick(PLACES), "?"]);
    }),
];

fn push_all(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
}

fn acronym(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.range(2, 5) {
        out.push(char::from(b'A' + rng.below(26) as u8));
    }
}

/// The label an instance's wording carries, or `None` if it matches no cue.
/// The longest matching cue wins ("Which instrument did " is entity, other "Which " human).
pub fn classify_instance(instance: &str) -> Option<Label> {
    let text = instance.trim_start();
    // Longest cue first: "Which instrument did " must win over "Which ".
    let mut best: Option<(usize, Label)> = None;
    for (label, cue, _) in TEMPLATES {
        if text.starts_with(cue) && best.is_none_or(|(len, _)| cue.len() > len) {
            best = Some((cue.len(), *label));
        }
    }
    best.map(|(_, l)| l)
}

/// Counts the labels of every `Instance: ` record in `text` (lines without one, or
/// whose instance matches no cue, are skipped), in [`Label::ALL`] order.
pub(crate) fn count_labels(text: &str) -> [u64; 6] {
    let mut counts = [0u64; 6];
    for line in text.lines() {
        if let Some(at) = line.find(INSTANCE_MARKER)
            && let Some(label) = classify_instance(&line[at + INSTANCE_MARKER.len()..])
        {
            counts[label.index()] += 1;
        }
    }
    counts
}

/// The label with the strictly highest count, if there is one.
pub(crate) fn unique_most_common(counts: &[u64; 6]) -> Option<Label> {
    let max = *counts.iter().max()?;
    let mut winners = Label::ALL.into_iter().filter(|l| counts[l.index()] == max);
    let first = winners.next()?;
    winners.next().is_none().then_some(first)
}

/// An OOLONG-style task of exactly `size_bytes` bytes (at least
/// [`MIN_CONTEXT_BYTES`]), fully determined by `seed`.
pub fn oolong(size_bytes: usize, seed: u64) -> Task {
    let size = size_bytes.max(MIN_CONTEXT_BYTES);
    let mut rng = Rng::new(seed);
    // Per-task label weights, so that the label distribution (and the answer) varies.
    let weights: Vec<usize> = (0..6).map(|_| rng.range(1, 12) as usize).collect();
    let total_weight: usize = weights.iter().sum();
    let by_label: Vec<Vec<usize>> = Label::ALL
        .iter()
        .map(|l| (0..TEMPLATES.len()).filter(|i| TEMPLATES[*i].0 == *l).collect())
        .collect();

    // A record is at most ~60 bytes of header plus the longest instance; stop with room to spare.
    const MAX_RECORD_BYTES: usize = 200;
    let mut out = String::with_capacity(size);
    let mut counts = [0u64; 6];
    let (mut year, mut month, mut day) = (rng.range(1995, 2020), rng.below(12), rng.range(1, 28));
    while out.len() + MAX_RECORD_BYTES <= size {
        let mut pick = rng.below(total_weight);
        let mut label = 0;
        while pick >= weights[label] {
            pick -= weights[label];
            label += 1;
        }
        let template = &TEMPLATES[by_label[label][rng.below(by_label[label].len())]];
        counts[label] += 1;
        // Dates move forward like a log.
        if rng.chance(1, 3) {
            day += 1;
            if day > 28 {
                (day, month) = (1, month + 1);
                if month == 12 {
                    (month, year) = (0, year + 1);
                }
            }
        }
        push_all(&mut out, &["Date: ", MONTHS[month], " "]);
        push_two_digits(&mut out, day);
        out.push_str(", ");
        push_number(&mut out, year);
        out.push_str(" || User: ");
        push_number(&mut out, rng.range(10_000, 99_999));
        out.push_str(" || ");
        out.push_str(INSTANCE_MARKER);
        out.push_str(template.1);
        (template.2)(&mut rng, &mut out);
        out.push('\n');
    }
    pad_to(&mut out, size);
    debug_assert_eq!(out.len(), size);

    let asked = Label::ALL[rng.below(6)];
    let (asks, question, answer) = match unique_most_common(&counts) {
        Some(best) if rng.chance(1, 2) => {
            (TaskQuestion::OolongMostCommon, MOST_COMMON_QUESTION.to_string(), best.to_string())
        }
        // Count questions also cover the (small-context) case of a tie for most common.
        _ => (
            TaskQuestion::OolongCount { label: asked },
            format!("{COUNT_QUESTION_PREFIX}{asked}'?"),
            counts[asked.index()].to_string(),
        ),
    };
    Task { name: format!("oolong-{size}B-seed{seed}"), asks, context: out, question, answer }
}

fn push_number(out: &mut String, n: u64) {
    use std::fmt::Write;
    let _ = write!(out, "{n}");
}

fn push_two_digits(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_distinct_and_every_label_has_templates() {
        for l in Label::ALL {
            assert!(TEMPLATES.iter().filter(|t| t.0 == l).count() >= 3, "{l}");
        }
        let mut cues: Vec<&str> = TEMPLATES.iter().map(|t| t.1).collect();
        cues.sort_unstable();
        cues.dedup();
        assert_eq!(cues.len(), TEMPLATES.len(), "cues are distinct");
    }

    #[test]
    fn generated_instances_classify_as_their_label() {
        let mut rng = Rng::new(5);
        for (label, cue, tail) in TEMPLATES {
            for _ in 0..200 {
                let mut s = String::from(*cue);
                tail(&mut rng, &mut s);
                assert_eq!(classify_instance(&s), Some(*label), "{s}");
                assert!(!s.contains('\n') && !s.contains("||"));
            }
        }
        assert_eq!(classify_instance("Tell me a joke."), None);
    }

    #[test]
    fn records_are_well_formed_and_the_answer_is_the_count() {
        for seed in 0..20 {
            let t = oolong(30_000, seed);
            assert_eq!(t.context.len(), 30_000);
            let counts = count_labels(&t.context);
            let records = t.context.lines().filter(|l| !l.is_empty()).count() as u64;
            assert_eq!(counts.iter().sum::<u64>(), records, "every record is classifiable");
            for line in t.context.lines().filter(|l| !l.is_empty()) {
                let parts: Vec<&str> = line.split(" || ").collect();
                assert_eq!(parts.len(), 3, "{line}");
                assert!(parts[0].starts_with("Date: ") && parts[1].starts_with("User: "));
            }
            match &t.asks {
                TaskQuestion::OolongCount { label } => {
                    assert_eq!(t.answer, counts[label.index()].to_string());
                    assert_eq!(t.question, format!("How many instances are labelled '{label}'?"));
                }
                TaskQuestion::OolongMostCommon => {
                    assert_eq!(
                        Some(t.answer.parse::<Label>().unwrap()),
                        unique_most_common(&counts)
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn both_question_forms_occur_and_generation_is_deterministic() {
        let tasks: Vec<Task> = (0..20).map(|s| oolong(20_000, s)).collect();
        assert!(tasks.iter().any(|t| t.asks == TaskQuestion::OolongMostCommon));
        assert!(tasks.iter().any(|t| matches!(t.asks, TaskQuestion::OolongCount { .. })));
        assert_eq!(oolong(20_000, 3), tasks[3]);
        assert_ne!(oolong(20_000, 4).context, tasks[3].context);
    }

    #[test]
    fn unique_most_common_refuses_ties() {
        assert_eq!(unique_most_common(&[1, 5, 2, 0, 0, 0]), Some(Label::Entity));
        assert_eq!(unique_most_common(&[5, 5, 2, 0, 0, 0]), None);
    }
}
