//! A token bucket: `capacity` tokens, refilled at `rate` per second, one taken per
//! admission. API Gateway throttles with one (aws-facts.md 13.3), and Lambda's scaling
//! rate, "1,000 execution environment instances every 10 seconds" per function
//! (aws-facts.md 6.1), is read as one of capacity 1,000 refilled at 100 per second.

use crate::engine::SimTime;

pub(super) struct TokenBucket {
    capacity: f64,
    rate_per_sec: f64,
    tokens: f64,
    at: SimTime,
}

impl TokenBucket {
    /// A full bucket at t = 0.
    pub(super) fn new(capacity: f64, rate_per_sec: f64) -> Self {
        TokenBucket {
            capacity,
            rate_per_sec,
            tokens: capacity,
            at: SimTime::ZERO,
        }
    }

    /// Takes a token at `now` if there is one.
    pub(super) fn take(&mut self, now: SimTime) -> bool {
        let refill = now.since(self.at).as_secs_f64() * self.rate_per_sec;
        self.tokens = (self.tokens + refill).min(self.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// Capacity 5 at 10 per second: five at once, then one every 100 ms (0.99 tokens
    /// at 99 ms, 1.49 at 149 ms).
    #[test]
    fn a_burst_then_the_rate() {
        let mut bucket = TokenBucket::new(5.0, 10.0);
        let t0 = SimTime::ZERO;
        assert_eq!((0..6).filter(|_| bucket.take(t0)).count(), 5);
        assert!(!bucket.take(t0 + SimDuration::from_millis(99)));
        assert!(bucket.take(t0 + SimDuration::from_millis(149)));
        assert!(!bucket.take(t0 + SimDuration::from_millis(149)));
    }
}
