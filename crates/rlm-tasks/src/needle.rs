//! The S-NIAH-style needle task: filler prose with one sentence "The special
//! magic number for `<key>` is `<7 digits>`." hidden at a seeded depth, plus a
//! few distractor sentences of the same form for other keys.

use crate::rng::Rng;
use crate::task::{MIN_CONTEXT_BYTES, Task, TaskQuestion};
use crate::text::{pad_to, write_prose};

/// How every needle question starts; the key and a `?` follow.
pub const NEEDLE_QUESTION_PREFIX: &str = "What is the special magic number for ";

/// How every needle (and distractor) sentence starts; `<key> is <number>.` follows.
pub(crate) const NEEDLE_SENTENCE_PREFIX: &str = "The special magic number for ";

#[rustfmt::skip]
const KEY_FIRST: &[&str] = &[
    "crimson", "amber", "cobalt", "ivory", "jade", "scarlet", "olive", "azure", "copper", "violet",
    "indigo", "saffron", "teal", "maroon", "pearl", "onyx", "coral", "ochre", "slate", "umber",
    "fuchsia", "mint", "plum", "rust", "sable", "topaz", "cerise", "khaki", "lilac", "bronze",
];

#[rustfmt::skip]
const KEY_SECOND: &[&str] = &[
    "falcon", "otter", "heron", "lynx", "badger", "walrus", "gecko", "ibis", "marmot", "bison",
    "crane", "ferret", "jackal", "koala", "lemur", "mantis", "newt", "ocelot", "panda", "quail",
    "raven", "salmon", "tapir", "viper", "wombat", "yak", "zebra", "beetle", "condor", "dingo",
];

/// The needle sentence for `key` and `number`.
pub(crate) fn needle_sentence(key: &str, number: u64) -> String {
    format!("{NEEDLE_SENTENCE_PREFIX}{key} is {number}.")
}

/// An S-NIAH-style task of exactly `size_bytes` bytes (at least
/// [`MIN_CONTEXT_BYTES`]), fully determined by `seed`.
pub fn needle(size_bytes: usize, seed: u64) -> Task {
    let size = size_bytes.max(MIN_CONTEXT_BYTES);
    let mut rng = Rng::new(seed);
    let key_of = |rng: &mut Rng| format!("{}-{}", rng.pick(KEY_FIRST), rng.pick(KEY_SECOND));
    let key = key_of(&mut rng);
    let number = rng.range(1_000_000, 9_999_999);

    // Distractors: other keys, other numbers, anywhere.
    let mut inserts: Vec<(String, bool)> = vec![(needle_sentence(&key, number), true)];
    let distractors = rng.range(2, 5) as usize;
    let mut used = vec![key.clone()];
    while inserts.len() <= distractors {
        let k = key_of(&mut rng);
        if used.contains(&k) {
            continue;
        }
        inserts.push((needle_sentence(&k, rng.range(1_000_000, 9_999_999)), false));
        used.push(k);
    }
    // Room for every inserted sentence and its separator, kept out of the prose budget.
    let reserve: usize = inserts.iter().map(|(s, _)| s.len() + 1).sum();
    let prose_target = size - reserve;
    let mut placed: Vec<(usize, String, bool)> =
        inserts.into_iter().map(|(s, is_needle)| (rng.below(prose_target), s, is_needle)).collect();
    placed.sort_by_key(|(at, _, _)| *at);

    let mut out = String::with_capacity(size);
    let mut next = 0usize;
    let mut offset = 0usize;
    let mut place_due = |out: &mut String, all: bool| {
        while let Some((at, sentence, is_needle)) = placed.get(next) {
            if !all && *at > out.len() {
                break;
            }
            if *is_needle {
                offset = out.len();
            }
            out.push_str(sentence);
            out.push(' ');
            next += 1;
        }
    };
    write_prose(&mut rng, &mut out, prose_target, |out| place_due(out, false));
    // Sentences due after the last prose sentence go at the end.
    place_due(&mut out, true);
    pad_to(&mut out, size);
    debug_assert_eq!(out.len(), size);

    Task {
        name: format!("needle-{size}B-seed{seed}"),
        asks: TaskQuestion::Needle { key: key.clone(), offset },
        context: out,
        question: format!("{NEEDLE_QUESTION_PREFIX}{key}?"),
        answer: number.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_size_one_needle_and_its_answer() {
        for (size, seed) in [(1, 1), (1024, 2), (10_000, 3), (123_457, 4)] {
            let t = needle(size, seed);
            assert_eq!(t.context.len(), size.max(MIN_CONTEXT_BYTES));
            let TaskQuestion::Needle { key, offset } = &t.asks else { panic!("{:?}", t.asks) };
            let sentence = format!("{NEEDLE_SENTENCE_PREFIX}{key} is {}.", t.answer);
            assert_eq!(t.context.matches(&sentence).count(), 1, "{}", t.name);
            assert_eq!(&t.context[*offset..*offset + sentence.len()], sentence);
            assert_eq!(t.answer.len(), 7);
            // Distractors use other keys only.
            let prefix = format!("{NEEDLE_SENTENCE_PREFIX}{key} is ");
            assert_eq!(t.context.matches(&prefix).count(), 1);
            assert!(t.context.matches(NEEDLE_SENTENCE_PREFIX).count() >= 3);
        }
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        assert_eq!(needle(50_000, 11), needle(50_000, 11));
        let (a, b) = (needle(50_000, 11), needle(50_000, 12));
        assert_ne!(a.context, b.context);
        assert_ne!((a.question, a.answer), (b.question, b.answer));
    }

    #[test]
    fn needle_depth_varies_with_the_seed() {
        let depths: Vec<f64> = (0..40)
            .map(|seed| {
                let t = needle(20_000, seed);
                let TaskQuestion::Needle { offset, .. } = t.asks else { unreachable!() };
                offset as f64 / 20_000.0
            })
            .collect();
        assert!(depths.iter().any(|d| *d < 0.25) && depths.iter().any(|d| *d > 0.75));
    }
}
