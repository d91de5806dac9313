//! The Mersenne Twister (MT19937) as CPython's `_random` module runs it:
//! the same seeding by a key of 32-bit words (`init_by_array`), the same
//! 32-bit outputs, and CPython's ways of turning them into a float in
//! `[0, 1)` and into `k` random bits, so that a seed gives the numbers
//! CPython gives for it.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The generator's state: 624 words and the next one to temper.
#[derive(Clone)]
pub(crate) struct Twister {
    words: [u32; N],
    next: usize,
}

impl Twister {
    /// The generator seeded by `key`, as CPython's `init_by_array` seeds it
    /// (an empty key is read as one zero word, as CPython's for 0).
    pub(crate) fn from_key(key: &[u32]) -> Twister {
        if key.is_empty() {
            return Twister::from_words(1, |_| 0);
        }
        Twister::from_words(key.len(), |j| key[j])
    }

    /// [`Twister::from_key`] of the `len` words `word(0)`, `word(1)`... (a
    /// str seed's words are read off its bytes, never copied out).
    pub(crate) fn from_words(len: usize, word: impl Fn(usize) -> u32) -> Twister {
        let mut t = Twister::from_word(19_650_218);
        let mt = &mut t.words;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(len) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] =
                (mt[i] ^ prev.wrapping_mul(1_664_525)).wrapping_add(word(j)).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= len {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        t
    }

    /// CPython's `init_genrand`: the state from one word.
    fn from_word(seed: u32) -> Twister {
        let mut words = [0u32; N];
        words[0] = seed;
        for i in 1..N {
            let prev = words[i - 1] ^ (words[i - 1] >> 30);
            words[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        Twister { words, next: N }
    }

    /// The next 32 random bits (CPython's `genrand_uint32`).
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            self.regenerate();
        }
        let mut y = self.words[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// The next 624 words at once.
    fn regenerate(&mut self) {
        let mt = &mut self.words;
        let twist = |upper: u32, lower: u32, far: u32| {
            let y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
            far ^ (y >> 1) ^ if y & 1 == 1 { MATRIX_A } else { 0 }
        };
        for k in 0..N - M {
            mt[k] = twist(mt[k], mt[k + 1], mt[k + M]);
        }
        for k in N - M..N - 1 {
            mt[k] = twist(mt[k], mt[k + 1], mt[k + M - N]);
        }
        mt[N - 1] = twist(mt[N - 1], mt[0], mt[M - 1]);
        self.next = 0;
    }

    /// A float in `[0, 1)` with 53 random bits (`random.random()`).
    pub(crate) fn next_f64(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `k` random bits, `k <= 64` (`getrandbits`: the low word first, the
    /// last word's top bits).
    pub(crate) fn bits(&mut self, k: u32) -> u64 {
        match k {
            0 => 0,
            1..=32 => u64::from(self.next_u32() >> (32 - k)),
            _ => {
                let low = u64::from(self.next_u32());
                let high = u64::from(self.next_u32() >> (64 - k));
                low | high << 32
            }
        }
    }

    /// A number in `[0, n)`, `n > 0`, by CPython's `_randbelow`: `k` bits,
    /// `k` the bit length of `n`, drawn again until below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.bits(k);
            if r < n {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Twister;

    /// The reference outputs of MT19937 for the key `[0x123, 0x234, 0x345,
    /// 0x456]` (the generator's authors' `mt19937ar.out`), which CPython's
    /// `_random` reproduces.
    #[test]
    fn the_reference_key_gives_the_reference_outputs() {
        let mut t = Twister::from_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| t.next_u32()).collect();
        assert_eq!(first, [1_067_595_299, 955_945_823, 477_289_528, 4_107_218_783, 4_228_976_476]);
    }
}
