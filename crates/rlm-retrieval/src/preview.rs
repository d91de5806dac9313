//! Previews: a short window of an entry's text around the first place a query
//! word occurs, so a hit shows its evidence (a program that prints hits sees
//! the sentence it was looking for, not just the start of a chunk).

/// Default preview length in code points.
pub const PREVIEW_CHARS: usize = 300;

/// Lower-cased words of the query worth locating (letters/digits, 2+ chars).
pub fn query_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect();
    words.dedup();
    words
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "that", "the", "this", "to", "was", "what", "which", "who", "with", "how", "does", "do",
];

/// About `width` code points of `text`: a window starting a little before the
/// first occurrence of one of `words` (case-insensitive), else the start.
/// Cut ends are marked with `…`.
pub fn preview(text: &str, words: &[String], width: usize) -> String {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths; only trust positions when it did not.
    let hit = if lower.len() == text.len() {
        words.iter().filter_map(|w| find_word(&lower, w)).min()
    } else {
        None
    };
    let total = text.chars().count();
    if total <= width {
        return text.to_string();
    }
    let start_char = match hit {
        Some(byte) => text[..byte].chars().count().saturating_sub(width / 4),
        None => 0,
    };
    let start_char = start_char.min(total - width);
    let body: String = text.chars().skip(start_char).take(width).collect();
    let mut out = String::with_capacity(body.len() + 8);
    if start_char > 0 {
        out.push('…');
    }
    out.push_str(body.trim_end_matches(char::is_whitespace));
    if start_char + width < total {
        out.push('…');
    }
    out
}

/// Byte offset of the first occurrence of `word` starting at a word boundary.
fn find_word(haystack: &str, word: &str) -> Option<usize> {
    haystack
        .match_indices(word)
        .map(|(i, _)| i)
        .find(|&i| haystack[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_shows_the_first_query_word() {
        let text =
            format!("{} The secret passphrase is blue-owl. {}", "x ".repeat(400), "y ".repeat(400));
        let p = preview(&text, &query_words("What is the secret passphrase?"), 120);
        assert!(p.contains("secret passphrase is blue-owl"), "{p}");
        assert!(p.starts_with('…') && p.ends_with('…'));
        assert!(p.chars().count() <= 122);
    }

    #[test]
    fn short_texts_and_misses() {
        assert_eq!(preview("short", &query_words("zzz"), 300), "short");
        let long = "abc ".repeat(200);
        assert!(preview(&long, &query_words("zzz"), 50).starts_with("abc"));
        assert_eq!(query_words("the Secret, secret PASS-phrase"), ["secret", "pass", "phrase"]);
        // A word inside another word does not count.
        assert_eq!(find_word("unsecret secret", "secret"), Some(9));
    }
}
