//! Filler prose: varied, natural-looking English sentences drawn from a fixed
//! vocabulary and a handful of sentence shapes, written straight into a
//! pre-sized `String` (no per-sentence allocation), so 100 MB takes well under
//! a second. The vocabulary never contains the words the tasks' rules look for
//! ("special", "magic", "Instance:"), so filler can never fake an answer.

use crate::rng::Rng;

#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "quiet", "ancient", "bright", "narrow", "heavy", "gentle", "distant", "curious", "broken",
    "golden", "hollow", "patient", "restless", "silver", "steep", "tired", "wild", "careful",
    "empty", "familiar", "fragile", "hidden", "honest", "humble", "modest", "muddy", "noisy",
    "polished", "rapid", "rusty", "shallow", "sleepy", "stubborn", "sturdy", "tender", "warm",
    "wooden", "young", "frozen", "crowded",
];

#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "river", "lantern", "harbor", "village", "teacher", "garden", "bridge", "window", "market",
    "orchard", "letter", "mountain", "kitchen", "library", "engine", "forest", "meadow", "station",
    "painter", "sailor", "farmer", "clock", "ladder", "valley", "basket", "candle", "compass",
    "cottage", "doctor", "fisherman", "island", "journal", "merchant", "notebook", "pianist",
    "road", "storm", "tower", "wagon", "workshop", "baker", "courtyard", "festival", "glacier",
    "hillside", "museum", "parcel", "quarry", "shepherd", "theater",
];

#[rustfmt::skip]
const VERBS: &[&str] = &[
    "wandered", "rested", "looked", "waited", "leaned", "drifted", "turned", "paused", "hurried",
    "lingered", "stumbled", "climbed", "returned", "glanced", "settled", "walked", "listened",
    "pointed", "vanished", "shouted", "whispered", "travelled", "worked", "sang", "slept",
];

#[rustfmt::skip]
const TRANSITIVE: &[&str] = &[
    "carried", "painted", "repaired", "admired", "followed", "described", "visited", "measured",
    "cleaned", "remembered", "ignored", "noticed", "opened", "sold", "borrowed", "built",
    "counted", "guarded", "moved", "studied",
];

#[rustfmt::skip]
const PREPOSITIONS: &[&str] =
    &["toward", "beside", "behind", "across", "under", "near", "around", "past", "beyond", "along"];

#[rustfmt::skip]
const ADVERBS: &[&str] = &[
    "slowly", "quickly", "quietly", "carefully", "again", "eagerly", "calmly", "briefly",
    "gladly", "rarely", "suddenly", "proudly", "often", "early", "late",
];

#[rustfmt::skip]
const NAMES: &[&str] = &[
    "Amelia", "Bruno", "Clara", "Dmitri", "Elena", "Felix", "Grace", "Hugo", "Ingrid", "Jonas",
    "Keiko", "Lucas", "Marta", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samir", "Tomas",
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "the north", "the old town", "the capital", "the lowlands", "the harbor district",
    "the hills", "the south", "the valley", "the islands", "the city",
];

#[rustfmt::skip]
const DETERMINERS: &[&str] = &["the", "every", "one", "each", "that", "this", "the"];

#[rustfmt::skip]
const CONNECTIVES: &[&str] =
    &["Later", "Meanwhile", "Afterwards", "By evening", "In the morning", "Eventually", "Once"];

/// Longest sentence [`write_sentence`] can produce, in bytes (checked in tests).
pub(crate) const MAX_SENTENCE_BYTES: usize = 160;

/// Appends one sentence (capitalised, ending with a period, no trailing space).
pub(crate) fn write_sentence(rng: &mut Rng, out: &mut String) {
    match rng.below(8) {
        0 => {
            out.push_str("The ");
            words(out, &[rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(VERBS)]);
            out.push(' ');
            words(out, &[rng.pick(PREPOSITIONS), "the", rng.pick(NOUNS)]);
        }
        1 => {
            words(out, &[rng.pick(NAMES), rng.pick(TRANSITIVE), "the"]);
            out.push(' ');
            words(out, &[rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(ADVERBS)]);
        }
        2 => {
            out.push_str("In ");
            out.push_str(rng.pick(PLACES));
            out.push_str(", ");
            words(out, &[rng.pick(DETERMINERS), rng.pick(NOUNS), rng.pick(VERBS)]);
            out.push(' ');
            words(out, &[rng.pick(PREPOSITIONS), "the", rng.pick(ADJECTIVES), rng.pick(NOUNS)]);
        }
        3 => {
            out.push_str("Nobody expected the ");
            words(out, &[rng.pick(NOUNS), "to", "be", "so", rng.pick(ADJECTIVES)]);
            out.push_str(", but ");
            words(out, &[rng.pick(NAMES), rng.pick(TRANSITIVE), "it", rng.pick(ADVERBS)]);
        }
        4 => {
            out.push_str("When the ");
            words(out, &[rng.pick(NOUNS), rng.pick(VERBS)]);
            out.push_str(", the ");
            words(out, &[rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(VERBS)]);
            out.push(' ');
            words(out, &[rng.pick(PREPOSITIONS), rng.pick(PLACES)]);
        }
        5 => {
            out.push_str(rng.pick(CONNECTIVES));
            out.push_str(", ");
            words(out, &[rng.pick(NAMES), rng.pick(VERBS), rng.pick(ADVERBS)]);
            out.push_str(" and ");
            words(out, &[rng.pick(TRANSITIVE), "the", rng.pick(NOUNS)]);
        }
        6 => {
            out.push_str("There was a ");
            words(out, &[rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(PREPOSITIONS), "the"]);
            out.push(' ');
            out.push_str(rng.pick(NOUNS));
            if rng.chance(1, 2) {
                out.push_str(", and it was ");
                out.push_str(rng.pick(ADJECTIVES));
            }
        }
        _ => {
            words(out, &["Some", "said", "the", rng.pick(NOUNS), "had", "always", "been"]);
            out.push(' ');
            out.push_str(rng.pick(ADJECTIVES));
            out.push_str(", though ");
            words(out, &[rng.pick(NAMES), rng.pick(VERBS), rng.pick(ADVERBS)]);
        }
    }
    out.push('.');
}

/// Words joined by single spaces.
fn words(out: &mut String, ws: &[&str]) {
    for (i, w) in ws.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
}

/// Distinct sentences composed per context; later sentences are drawn from them at random.
/// Composing costs ~10 seeded picks per sentence, drawing one, which keeps 100 MB well under a
/// second while the text stays varied (16K different sentences in random order and paragraphs).
pub(crate) const POOL_SENTENCES: usize = 16_384;

/// Writes prose into `out` until it would pass `target` bytes, with paragraph
/// breaks every few sentences, and calls `insert` between sentences so that a
/// generator can place its own sentences (needles) at chosen offsets.
/// Stops at a sentence boundary at most [`MAX_SENTENCE_BYTES`] + 2 short of `target`.
pub(crate) fn write_prose(
    rng: &mut Rng,
    out: &mut String,
    target: usize,
    mut insert: impl FnMut(&mut String),
) {
    let mut pool = String::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut left_in_paragraph = rng.range(3, 8);
    while out.len() + MAX_SENTENCE_BYTES + 2 <= target {
        insert(out);
        if out.len() + MAX_SENTENCE_BYTES + 2 > target {
            break;
        }
        if spans.len() < POOL_SENTENCES {
            let start = pool.len();
            write_sentence(rng, &mut pool);
            spans.push((start, pool.len()));
            out.push_str(&pool[start..]);
        } else {
            let (start, end) = spans[rng.below(spans.len())];
            out.push_str(&pool[start..end]);
        }
        left_in_paragraph -= 1;
        if left_in_paragraph == 0 {
            out.push_str("\n\n");
            left_in_paragraph = rng.range(3, 8);
        } else {
            out.push(' ');
        }
    }
}

/// Pads `out` with newlines up to exactly `target` bytes (no-op if it is already there).
pub(crate) fn pad_to(out: &mut String, target: usize) {
    while out.len() < target {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_bounded_varied_and_free_of_task_words() {
        let mut rng = Rng::new(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20_000 {
            let mut s = String::new();
            write_sentence(&mut rng, &mut s);
            assert!(s.len() <= MAX_SENTENCE_BYTES, "{s}");
            assert!(s.ends_with('.') && s.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
            assert!(!s.contains("special") && !s.contains("magic") && !s.contains("Instance"));
            seen.insert(s);
        }
        assert!(seen.len() > 19_000, "only {} distinct sentences", seen.len());
    }

    #[test]
    fn long_prose_stays_varied() {
        let mut rng = Rng::new(4);
        let mut out = String::with_capacity(3_000_000);
        write_prose(&mut rng, &mut out, 3_000_000, |_| {});
        let sentences: Vec<&str> = out.split_inclusive('.').map(str::trim).collect();
        let distinct: std::collections::HashSet<&str> = sentences.iter().copied().collect();
        assert!(sentences.len() > 2 * POOL_SENTENCES, "{}", sentences.len());
        assert!(distinct.len() > POOL_SENTENCES * 9 / 10, "{} distinct", distinct.len());
        // No sentence dominates: the most frequent one is a tiny share of the text.
        let mut freq = std::collections::HashMap::new();
        for s in &sentences {
            *freq.entry(*s).or_insert(0usize) += 1;
        }
        assert!(freq.values().max().copied().unwrap_or(0) * 1000 < sentences.len());
    }

    #[test]
    fn prose_stops_short_of_the_target_and_pads_exactly() {
        let mut rng = Rng::new(9);
        let mut out = String::with_capacity(5000);
        write_prose(&mut rng, &mut out, 5000, |_| {});
        assert!(out.len() <= 5000 && out.len() + MAX_SENTENCE_BYTES + 2 > 5000);
        assert!(out.contains("\n\n"));
        pad_to(&mut out, 5000);
        assert_eq!(out.len(), 5000);
    }
}
