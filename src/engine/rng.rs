//! Independent random number streams, one per model component.
//!
//! Each stream is a xoshiro256++ generator (`rand_xoshiro`, a named algorithm with a
//! published reference implementation, unlike `StdRng` whose algorithm may change
//! between releases). The stream for component `name` under run seed `seed` is seeded
//! with `splitmix64(seed ^ fnv1a64(name))`, expanded to 256 bits by xoshiro's own
//! SplitMix64 seeding. Consequences the model relies on:
//! - adding a component never changes the draws of another;
//! - two runs with the same seed draw the same arrivals and service times even when
//!   their strategies differ elsewhere (common random numbers, used by `compare`).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every component draws from.
pub type SimRng = Xoshiro256PlusPlus;

/// Derives a stream per component name from one run seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The streams of a part of the model named `name` (a tier): distinct from the
    /// run's own streams and from every other part's, under the same seed.
    pub fn within(&self, name: &str) -> RngStreams {
        RngStreams {
            seed: splitmix64(self.seed ^ fnv1a64(name.as_bytes()).rotate_left(17)),
        }
    }

    /// The stream for `component` (for example `"arrivals"`, `"spot/m5.large"`).
    pub fn stream(&self, component: &str) -> SimRng {
        SimRng::seed_from_u64(splitmix64(self.seed ^ fnv1a64(component.as_bytes())))
    }
}

/// FNV-1a, 64-bit: a stable hash of the component name (std's `Hash` is not stable
/// across releases, so it cannot be used for seeds).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// One step of SplitMix64 (Steele, Lea, Flood 2014): spreads nearby seeds apart.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let streams = RngStreams::new(42);
        let a1 = streams.stream("arrivals").next_u64();
        let a2 = streams.stream("arrivals").next_u64();
        let s = streams.stream("service").next_u64();
        let other_seed = RngStreams::new(43).stream("arrivals").next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, s);
        assert_ne!(a1, other_seed);
    }

    #[test]
    fn fnv1a_matches_published_test_vector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (reference vectors by Fowler/Noll/Vo).
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
