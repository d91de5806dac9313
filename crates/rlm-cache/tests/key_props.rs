//! Property tests of cache keys: the same inputs always give the same key, and
//! any change to the model, a generation parameter or a message gives another.

use proptest::prelude::*;
use rlm_cache::CacheKey;
use rlm_types::{ChatMessage, CompletionRequest, GenerationParams, ModelId, Role};

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::System), Just(Role::User), Just(Role::Assistant)]
}

fn message() -> impl Strategy<Value = ChatMessage> {
    (role(), ".{0,40}").prop_map(|(role, content)| ChatMessage { role, content })
}

fn params() -> impl Strategy<Value = GenerationParams> {
    (
        proptest::option::of(0u32..100_000),
        proptest::option::of(0.0f32..2.0),
        proptest::option::of(0.0f32..1.0),
        proptest::collection::vec("[a-z#\\n]{0,5}", 0..3),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(max_tokens, temperature, top_p, stop, seed)| GenerationParams {
            max_tokens,
            temperature,
            top_p,
            stop,
            seed,
            constraint: None,
        })
}

fn model() -> impl Strategy<Value = ModelId> {
    ("[a-z]{1,8}", "[a-z0-9.:-]{1,16}").prop_map(|(p, m)| ModelId::new(p, m))
}

fn input() -> impl Strategy<Value = (ModelId, CompletionRequest)> {
    (model(), params(), proptest::collection::vec(message(), 0..5)).prop_map(
        |(m, params, messages)| (m, CompletionRequest { messages, params, traceparent: None }),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn same_inputs_same_key((m, r) in input()) {
        let again = (m.clone(), r.clone());
        prop_assert_eq!(CacheKey::new(&m, &r), CacheKey::new(&again.0, &again.1));
    }

    /// Two independently drawn inputs have the same key exactly when they are equal.
    #[test]
    fn key_equality_matches_input_equality(a in input(), b in input()) {
        prop_assert_eq!(CacheKey::new(&a.0, &a.1) == CacheKey::new(&b.0, &b.1), a == b);
    }

    #[test]
    fn any_single_change_changes_the_key((m, r) in input(), which in 0usize..9, text in ".{0,10}", n in any::<u32>()) {
        let base = CacheKey::new(&m, &r);
        let (mut m2, mut r2) = (m.clone(), r.clone());
        match which {
            0 => m2.provider = format!("{}{}", m2.provider, "x").into(),
            1 => m2.model = format!("{}-{text}", m2.model).into(),
            2 => r2.params.max_tokens = Some(r2.params.max_tokens.map_or(n, |v| v.wrapping_add(1))),
            3 => r2.params.temperature = Some(r2.params.temperature.map_or(0.5, |t| t + 0.25)),
            4 => r2.params.top_p = if r2.params.top_p.is_some() { None } else { Some(0.9) },
            5 => r2.params.stop.push(text.clone()),
            6 => r2.params.seed = Some(r2.params.seed.map_or(u64::from(n), |s| s.wrapping_add(1))),
            7 => r2.messages.push(ChatMessage::user(text.clone())),
            _ => match r2.messages.first_mut() {
                Some(first) => first.content.push('!'),
                None => r2.messages.push(ChatMessage::system("")),
            },
        }
        prop_assert_ne!(&(m.clone(), r.clone()), &(m2.clone(), r2.clone()));
        prop_assert_ne!(base, CacheKey::new(&m2, &r2));
    }

    #[test]
    fn role_is_part_of_the_key(content in ".{0,20}") {
        let m = ModelId::new("p", "m");
        let keys: Vec<CacheKey> = [ChatMessage::system(&content), ChatMessage::user(&content), ChatMessage::assistant(&content)]
            .into_iter()
            .map(|msg| CacheKey::new(&m, &CompletionRequest { messages: vec![msg], params: GenerationParams::default(), traceparent: None }))
            .collect();
        prop_assert_ne!(keys[0], keys[1]);
        prop_assert_ne!(keys[1], keys[2]);
        prop_assert_ne!(keys[0], keys[2]);
    }
}
