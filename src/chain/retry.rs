//! How long the walker waits before trying a hop again, and how often.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Waits up to this long are retried on the same hop.
    pub max_wait: Duration,
    /// How many times one hop is retried after short waits before moving on.
    pub max_retries_per_hop: u32,
    /// Transient failures: retries on one hop within one call.
    pub transient_retries: u32,
    /// The first back-off; each next one doubles, with ±25 % jitter.
    pub backoff_base: Duration,
    /// No single back-off is longer (a longer `retry-after` moves on instead).
    pub backoff_max: Duration,
    /// All transient waits of one call together stay under this.
    pub transient_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_wait: Duration::from_secs(20),
            max_retries_per_hop: 2,
            transient_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            transient_budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// For the audit's probes: one quick retry, so a blip does not drop a model, while a
    /// dead provider cannot hold the audit up.
    pub fn probe() -> Self {
        RetryPolicy {
            max_wait: Duration::from_secs(5),
            max_retries_per_hop: 1,
            transient_retries: 1,
            backoff_base: Duration::from_millis(300),
            backoff_max: Duration::from_secs(2),
            transient_budget: Duration::from_secs(3),
        }
    }

    /// For the advisor's one call: no retry and no wait. A post-mortem is not worth
    /// waiting for, and the built-in text stands ready.
    pub fn advisor() -> Self {
        RetryPolicy {
            max_wait: Duration::ZERO,
            max_retries_per_hop: 0,
            transient_retries: 0,
            backoff_base: Duration::ZERO,
            backoff_max: Duration::ZERO,
            transient_budget: Duration::ZERO,
        }
    }

    /// The back-off before transient retry number `n` (0-based): exponential with ±25 %
    /// jitter, capped. A `retry-after` the provider sent wins when it is not too long.
    pub fn backoff(&self, n: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(wait) = retry_after {
            return (wait <= self.backoff_max.max(self.max_wait)).then_some(wait);
        }
        let exp = 2u32.checked_pow(n.min(16)).unwrap_or(u32::MAX);
        let base = self
            .backoff_base
            .checked_mul(exp)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max);
        // Jitter from the std hasher's random keys: no extra dependency for ±25 %.
        let r = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let factor = 0.75 + (r % 1000) as f64 / 2000.0;
        Some(base.mul_f64(factor).min(self.backoff_max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_exponential_jittered_bounded_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for n in 0..5 {
            let want = (500u64 << n).min(8_000) as f64;
            let got = p.backoff(n, None).unwrap().as_millis() as f64;
            assert!(
                got >= want * 0.75 - 1.0 && got <= (want * 1.25).min(8_000.0) + 1.0,
                "{n}: {got}"
            );
        }
        assert!(p.backoff(u32::MAX, None).unwrap() <= p.backoff_max);
        assert_eq!(
            p.backoff(0, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        // A retry-after beyond the bound is not waited for on this hop.
        assert_eq!(p.backoff(0, Some(Duration::from_millis(u64::MAX))), None);
    }
}
