//! Property tests: invariants that must hold for any text (mixed scripts included), checked
//! against Rust's own `chars()` as a second oracle next to the CPython differential test.

use proptest::prelude::*;
use rlm_context::{Context, FindOptions};

fn text_strategy() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-c \n日本😀é\u{301}Ωß\r]{0,400}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn slices_match_chars(text in text_strategy(), a in -450i64..450, b in -450i64..450) {
        let context = Context::from_text(text.clone());
        let chars: Vec<char> = text.chars().collect();
        let len = chars.len() as i64;
        let resolve = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
        let (start, end) = (resolve(a), resolve(b));
        let want: String = if start < end { chars[start..end].iter().collect() } else { String::new() };
        let got = context.slice(Some(a), Some(b));
        prop_assert_eq!(got.as_str(), want.as_str());
        let view = context.text();
        for (c, (byte, _)) in text.char_indices().enumerate() {
            prop_assert_eq!(view.char_to_byte(c as u64), byte);
            prop_assert_eq!(view.byte_to_char(byte), c as u64);
        }
    }

    #[test]
    fn boundary_chunks_cover_the_text(text in text_strategy(), max in 1u64..50) {
        let context = Context::from_text(text.clone());
        for chunks in [context.chunk_lines(max).unwrap(), context.chunk_paragraphs(max).unwrap()] {
            let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
            prop_assert_eq!(&joined, &text);
            for chunk in &chunks {
                prop_assert!(chunk.end - chunk.start <= max);
                prop_assert_eq!(chunk.text.len_chars(), chunk.end - chunk.start);
            }
        }
    }

    #[test]
    fn find_positions_slice_back_to_the_match(text in text_strategy(), start in 0usize..400, width in 1usize..4) {
        let chars: Vec<char> = text.chars().collect();
        prop_assume!(start + width <= chars.len());
        let pattern: String = chars[start..start + width].iter().collect();
        let context = Context::from_text(text);
        let found = context.find(&pattern, &FindOptions::literal().max_matches(1000)).unwrap();
        prop_assert!(!found.matches.is_empty());
        for m in &found.matches {
            let back = context.slice(Some(m.start as i64), Some(m.end as i64));
            prop_assert_eq!(back.as_str(), pattern.as_str());
            prop_assert_eq!(m.text.as_str(), pattern.as_str());
        }
    }
}
