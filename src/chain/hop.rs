//! A hop of the chain and the price of its answers.

use crate::provider::{ModelClient, Usage};

/// One hop: a resolved client plus what the audit learned about it.
#[derive(Debug, Clone)]
pub struct Hop {
    pub client: ModelClient,
    pub context_window: Option<u64>,
    /// Dollars per input token and per output token (0 for local models).
    pub price_in: f64,
    pub price_out: f64,
    /// Dollars per prompt token read from the cache; `None`: the input price (no discount
    /// assumed, so the cost is never under-counted).
    pub price_cache_read: Option<f64>,
    /// Dollars per prompt token written to Anthropic's cache; `None`: 1.25x input.
    pub price_cache_write: Option<f64>,
}

/// The hop with the lowest output price (what a few hundred tokens of advice cost).
pub fn cheapest<'a>(hops: impl IntoIterator<Item = &'a Hop>) -> Option<&'a Hop> {
    hops.into_iter().min_by(|a, b| {
        a.price_out
            .partial_cmp(&b.price_out)
            .unwrap_or(std::cmp::Ordering::Equal)
    })
}

impl Hop {
    pub fn new(client: ModelClient) -> Hop {
        Hop {
            client,
            context_window: None,
            price_in: 0.0,
            price_out: 0.0,
            price_cache_read: None,
            price_cache_write: None,
        }
    }

    pub fn slug(&self) -> &str {
        self.client.slug()
    }

    pub fn cost(&self, tokens_in: u64, tokens_out: u64) -> f64 {
        tokens_in as f64 * self.price_in + tokens_out as f64 * self.price_out
    }

    /// The cost of one answer's usage: cached prompt tokens at the cache prices.
    pub fn cost_of(&self, u: &Usage) -> f64 {
        let cached = u.cache_read_tokens.saturating_add(u.cache_write_tokens);
        let fresh = u.input_tokens.saturating_sub(cached);
        let read = self.price_cache_read.unwrap_or(self.price_in);
        let write = self.price_cache_write.unwrap_or(self.price_in * 1.25);
        let cost = fresh as f64 * self.price_in
            + u.cache_read_tokens as f64 * read
            + u.cache_write_tokens as f64 * write
            + u.output_tokens as f64 * self.price_out;
        if cost.is_finite() { cost.max(0.0) } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::scripted::Script;

    #[test]
    fn cached_tokens_are_priced_at_the_cache_price() {
        let mut h = Hop::new(ModelClient::scripted("x", Script::new(vec![])));
        h.price_in = 3e-6;
        h.price_out = 15e-6;
        h.price_cache_read = Some(0.3e-6);
        h.price_cache_write = Some(3.75e-6);
        let u = crate::provider::Usage {
            input_tokens: 10_000,
            output_tokens: 100,
            cache_read_tokens: 8_000,
            cache_write_tokens: 1_000,
            reasoning_tokens: 0,
        };
        let want = 1_000.0 * 3e-6 + 8_000.0 * 0.3e-6 + 1_000.0 * 3.75e-6 + 100.0 * 15e-6;
        assert!((h.cost_of(&u) - want).abs() < 1e-12);
        // Unknown cache prices: no discount assumed (never under-counted).
        h.price_cache_read = None;
        assert!(h.cost_of(&u) > want);
        let huge = crate::provider::Usage {
            input_tokens: u64::MAX,
            output_tokens: u64::MAX,
            cache_read_tokens: u64::MAX,
            ..Default::default()
        };
        assert!(h.cost_of(&huge).is_finite());
    }
}
