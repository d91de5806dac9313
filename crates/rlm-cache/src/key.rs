//! Cache keys: a blake3 hash of a canonical, versioned encoding of
//! (effective model id, output-changing generation parameters, messages).
//!
//! The encoding is length-prefixed field by field, so two different inputs can
//! never encode to the same bytes (no ambiguity such as `"ab" + "c"` versus
//! `"a" + "bc"`); message contents enter as their length and own blake3 digest.
//! Nothing is copied, so a multi-megabyte prompt costs only its hashing. Any change to the encoding must bump [`KEY_FORMAT_VERSION`]: old
//! entries then simply stop matching (misses), they are never misread.

use std::fmt;

use rlm_types::{
    ChatMessage, CompletionRequest, GenerationParams, ModelId, OutputConstraint, Role,
};

/// Version of the key encoding; part of every key's hashed bytes.
pub const KEY_FORMAT_VERSION: u32 = 2;

/// Domain separation so that our hashes never collide with another use of blake3.
const KEY_DOMAIN: &[u8] = b"rlm-cache/key\0";

/// The domain of [`CacheKey::named`]'s keys.
const NAMED_DOMAIN: &[u8] = b"rlm-cache/named\0";

/// The 32-byte key under which one completion is stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of `request` sent to `model`.
    ///
    /// `model` must be the *effective* model (the one that will actually serve
    /// the call, after aliases and fallbacks are resolved): two requests that
    /// reach different models must not share an answer.
    pub fn new(model: &ModelId, request: &CompletionRequest) -> Self {
        let mut enc = KeyEncoder { hasher: blake3::Hasher::new() };
        enc.hasher.update(KEY_DOMAIN);
        enc.u32(KEY_FORMAT_VERSION);
        enc.str(&model.provider);
        enc.str(&model.model);
        enc.params(&request.params);
        enc.messages(&request.messages);
        CacheKey(*enc.hasher.finalize().as_bytes())
    }

    /// The key of a record its caller names with a string of its own
    /// (pyrlm-runtime's `FileCache.get/set(key)`). Hashed under a domain of
    /// its own, so a name never meets the key of a request.
    pub fn named(name: &str) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(NAMED_DOMAIN);
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        CacheKey(*hasher.finalize().as_bytes())
    }

    /// The raw key bytes, as stored in the database.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex of the key (for logs and debugging).
    pub fn to_hex(&self) -> String {
        blake3::Hash::from(self.0).to_hex().to_string()
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.to_hex())
    }
}

struct KeyEncoder {
    hasher: blake3::Hasher,
}

impl KeyEncoder {
    fn u8(&mut self, v: u8) {
        self.hasher.update(&[v]);
    }
    fn u32(&mut self, v: u32) {
        self.hasher.update(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.hasher.update(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.hasher.update(s.as_bytes());
    }
    fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v);
            }
        }
    }
    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
        }
    }
    /// Floats by bit pattern, after mapping values that compare equal to one
    /// pattern: `-0.0` and `0.0` are the same temperature; every NaN is one NaN.
    fn opt_f32(&mut self, v: Option<f32>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                let canonical = if v == 0.0 {
                    0.0f32
                } else if v.is_nan() {
                    f32::NAN
                } else {
                    v
                };
                self.u8(1);
                self.u32(canonical.to_bits());
            }
        }
    }
    fn params(&mut self, params: &GenerationParams) {
        // Destructured without `..` on purpose: a field added to GenerationParams
        // must be a compile error here until someone decides how it enters the key.
        let GenerationParams { max_tokens, temperature, top_p, stop, seed, constraint } = params;
        self.opt_u32(*max_tokens);
        self.opt_f32(*temperature);
        self.opt_f32(*top_p);
        self.len(stop.len());
        for s in stop {
            self.str(s);
        }
        self.opt_u64(*seed);
        match constraint {
            None => self.u8(0),
            Some(OutputConstraint::Grammar(g)) => {
                self.u8(1);
                self.str(g);
            }
            Some(OutputConstraint::JsonSchema(s)) => {
                self.u8(2);
                self.str(s);
            }
        }
    }
    fn messages(&mut self, messages: &[ChatMessage]) {
        self.len(messages.len());
        for m in messages {
            let ChatMessage { role, content } = m;
            self.u8(match role {
                Role::System => 0,
                Role::User => 1,
                Role::Assistant => 2,
            });
            // Contents are hashed on their own and enter the key as (length,
            // digest): hashing a large prompt from offset 0 lets blake3 use its
            // SIMD multi-chunk path, which an unaligned stream position defeats.
            self.len(content.len());
            self.hasher.update(blake3::hash(content.as_bytes()).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> CompletionRequest {
        CompletionRequest::user(text)
    }

    #[test]
    fn key_is_pinned_for_format_v2() {
        // If this changes, the encoding changed: bump KEY_FORMAT_VERSION.
        let key = CacheKey::new(&ModelId::new("openai", "gpt-5-mini"), &req("hello"));
        assert_eq!(key.to_hex(), PINNED_V2);
    }
    // Version 2 added the output constraint (issue #19).
    const PINNED_V2: &str = "0b087d96801d83699c45c9c32fe75924110aaad9b165a3a185b8a75c3bb8a685";

    #[test]
    fn named_keys_differ_by_name_and_from_request_keys() {
        assert_eq!(CacheKey::named("k"), CacheKey::named("k"));
        assert_ne!(CacheKey::named("k"), CacheKey::named("k2"));
        assert_ne!(CacheKey::named(""), CacheKey::named("\0"));
        let request = CacheKey::new(&ModelId::new("openai", "gpt-5-mini"), &req("hello"));
        assert_ne!(CacheKey::named("hello"), request);
    }

    #[test]
    fn negative_zero_and_zero_temperature_share_a_key() {
        let model = ModelId::new("p", "m");
        let mut a = req("x");
        a.params.temperature = Some(0.0);
        let mut b = req("x");
        b.params.temperature = Some(-0.0);
        assert_eq!(CacheKey::new(&model, &a), CacheKey::new(&model, &b));
        let mut c = req("x");
        c.params.temperature = None;
        assert_ne!(CacheKey::new(&model, &a), CacheKey::new(&model, &c));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = CacheKey::new(&ModelId::new("ab", "c"), &req("x"));
        let b = CacheKey::new(&ModelId::new("a", "bc"), &req("x"));
        assert_ne!(a, b);
        let mut s1 = req("x");
        s1.params.stop = vec!["ab".into(), "c".into()];
        let mut s2 = req("x");
        s2.params.stop = vec!["a".into(), "bc".into()];
        let m = ModelId::new("p", "m");
        assert_ne!(CacheKey::new(&m, &s1), CacheKey::new(&m, &s2));
    }
}
