//! Rate-limit headers → [`RateLimits`].
//!
//! Three dialects (platform-facts.md, "LLM wire facts"):
//! - OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as Go
//!   durations (`12ms`, `6m0s`, `1m30.5s`), plus `retry-after` / `retry-after-ms` on 429.
//! - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
//!   {limit,remaining,reset}`, resets as RFC 3339 instants, `retry-after` in seconds.
//! - OpenRouter: `X-RateLimit-{Limit,Remaining,Reset}`, the reset an epoch in milliseconds.
//!
//! Every reset becomes "milliseconds from now" so the chain walker compares one unit.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use super::types::RateLimits;

/// Parse whichever dialect `headers` speaks. `now` is injected so tests are exact.
pub fn parse(headers: &HeaderMap, now: DateTime<Utc>) -> RateLimits {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let num = |name: &str| get(name).and_then(parse_count);
    let mut rl = RateLimits::default();

    if headers
        .keys()
        .any(|k| k.as_str().starts_with("anthropic-ratelimit-"))
    {
        let reset = |name: &str| get(name).and_then(|v| rfc3339_ms_from(v, now));
        rl.requests_limit = num("anthropic-ratelimit-requests-limit");
        rl.requests_remaining = num("anthropic-ratelimit-requests-remaining");
        rl.requests_reset_ms = reset("anthropic-ratelimit-requests-reset");
        rl.tokens_limit = num("anthropic-ratelimit-tokens-limit");
        rl.tokens_remaining = num("anthropic-ratelimit-tokens-remaining");
        rl.input_tokens_limit = num("anthropic-ratelimit-input-tokens-limit");
        rl.input_tokens_remaining = num("anthropic-ratelimit-input-tokens-remaining");
        // The combined token bucket when present, else whichever of input/output resets
        // later: that is when a prompt of the same size fits again.
        rl.tokens_reset_ms = reset("anthropic-ratelimit-tokens-reset").or_else(|| {
            let i = reset("anthropic-ratelimit-input-tokens-reset");
            let o = reset("anthropic-ratelimit-output-tokens-reset");
            i.max(o)
        });
    } else if headers.contains_key("x-ratelimit-limit-requests")
        || headers.contains_key("x-ratelimit-limit-tokens")
        || headers.contains_key("x-ratelimit-reset-tokens")
        || headers.contains_key("x-ratelimit-reset-requests")
    {
        rl.requests_limit = num("x-ratelimit-limit-requests");
        rl.requests_remaining = num("x-ratelimit-remaining-requests");
        rl.requests_reset_ms = get("x-ratelimit-reset-requests").and_then(go_duration_ms);
        rl.tokens_limit = num("x-ratelimit-limit-tokens");
        rl.tokens_remaining = num("x-ratelimit-remaining-tokens");
        rl.tokens_reset_ms = get("x-ratelimit-reset-tokens").and_then(go_duration_ms);
    } else if headers.contains_key("x-ratelimit-limit") || headers.contains_key("x-ratelimit-reset")
    {
        rl.requests_limit = num("x-ratelimit-limit");
        rl.requests_remaining = num("x-ratelimit-remaining");
        rl.requests_reset_ms = get("x-ratelimit-reset").and_then(|v| epoch_ms_from(v, now));
    }

    rl.retry_after_ms = get("retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v.round() as u64)
        .or_else(|| get("retry-after").and_then(|v| retry_after_ms(v, now)));
    rl
}

/// Limits are integers, but some gateways send `1000.0`.
fn parse_count(v: &str) -> Option<u64> {
    v.parse::<u64>().ok().or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64)
    })
}

/// A Go `time.Duration` string (`1h2m3.5s`, `6m0s`, `12ms`, `250us`, `0s`) in whole
/// milliseconds, rounded up so a wait never ends before the reset. A bare number is seconds.
pub fn go_duration_ms(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64);
    }
    let mut total_ns: f64 = 0.0;
    let mut rest = v;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3_600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" | "μs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total_ns += n * scale;
    }
    // Round to whole nanoseconds first: `59.999 * 1e9` is a hair off in binary, and a
    // plain ceil would turn that hair into a whole extra millisecond.
    let ns = total_ns.round() as u64;
    Some(ns.div_ceil(1_000_000))
}

/// Milliseconds from `now` until an RFC 3339 instant (0 when it is already past).
pub fn rfc3339_ms_from(v: &str, now: DateTime<Utc>) -> Option<u64> {
    let at = DateTime::parse_from_rfc3339(v.trim())
        .ok()?
        .with_timezone(&Utc);
    Some(until_ms(at, now))
}

/// `retry-after`: delay seconds (integer or decimal) or an HTTP date.
pub fn retry_after_ms(v: &str, now: DateTime<Utc>) -> Option<u64> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64);
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some(until_ms(at, now))
}

/// OpenRouter's reset: Unix epoch in milliseconds (seconds if the number is small).
fn epoch_ms_from(v: &str, now: DateTime<Utc>) -> Option<u64> {
    let n: i64 = v.trim().parse().ok()?;
    let ms = if n < 100_000_000_000 {
        n.checked_mul(1000)?
    } else {
        n
    };
    let at = DateTime::<Utc>::from_timestamp_millis(ms)?;
    Some(until_ms(at, now))
}

fn until_ms(at: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    (at - now).num_milliseconds().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn go_durations() {
        let cases = [
            ("12ms", Some(12)),
            ("6m0s", Some(360_000)),
            ("1m30.5s", Some(90_500)),
            ("1h2m3s", Some(3_723_000)),
            ("0s", Some(0)),
            ("250us", Some(1)),
            ("1.5", Some(1_500)),
            ("20", Some(20_000)),
            ("", None),
            ("soon", None),
            ("5x", None),
            ("m5", None),
        ];
        for (text, want) in cases {
            assert_eq!(go_duration_ms(text), want, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn go_durations_round_trip(h in 0u64..48, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
            let total = ((h * 60 + m) * 60 + s) * 1000 + ms;
            let text = if h > 0 {
                format!("{h}h{m}m{s}.{ms:03}s")
            } else if m > 0 {
                format!("{m}m{s}.{ms:03}s")
            } else if s > 0 {
                format!("{s}.{ms:03}s")
            } else {
                format!("{ms}ms")
            };
            proptest::prop_assert_eq!(go_duration_ms(&text), Some(total), "{}", text);
        }
    }

    #[test]
    fn openai_headers() {
        let h = headers(&[
            ("x-ratelimit-limit-requests", "500"),
            ("x-ratelimit-remaining-requests", "499"),
            ("x-ratelimit-reset-requests", "120ms"),
            ("x-ratelimit-limit-tokens", "30000"),
            ("x-ratelimit-remaining-tokens", "29000"),
            ("x-ratelimit-reset-tokens", "6m0s"),
            ("retry-after", "7"),
        ]);
        let rl = parse(&h, now());
        assert_eq!(
            rl,
            RateLimits {
                requests_limit: Some(500),
                requests_remaining: Some(499),
                requests_reset_ms: Some(120),
                tokens_limit: Some(30000),
                tokens_remaining: Some(29000),
                tokens_reset_ms: Some(360_000),
                retry_after_ms: Some(7000),
                ..RateLimits::default()
            }
        );
    }

    #[test]
    fn anthropic_headers() {
        let h = headers(&[
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2026-11-25T12:00:30Z"),
            ("anthropic-ratelimit-input-tokens-limit", "30000"),
            ("anthropic-ratelimit-input-tokens-remaining", "100"),
            (
                "anthropic-ratelimit-input-tokens-reset",
                "2026-11-25T12:01:00Z",
            ),
            (
                "anthropic-ratelimit-output-tokens-reset",
                "2026-11-25T12:00:10Z",
            ),
            ("retry-after", "30"),
        ]);
        let rl = parse(&h, now());
        assert_eq!(rl.requests_limit, Some(50));
        assert_eq!(rl.requests_remaining, Some(0));
        assert_eq!(rl.requests_reset_ms, Some(30_000));
        assert_eq!(rl.input_tokens_limit, Some(30000));
        assert_eq!(rl.input_tokens_remaining, Some(100));
        // No combined bucket: the later of input/output.
        assert_eq!(rl.tokens_reset_ms, Some(60_000));
        assert_eq!(rl.retry_after_ms, Some(30_000));
    }

    #[test]
    fn openrouter_headers_and_http_date() {
        let reset_ms = now().timestamp_millis() + 4_000;
        let h = headers(&[
            ("X-RateLimit-Limit", "20"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", &reset_ms.to_string()),
            ("Retry-After", "Wed, 25 Nov 2026 12:00:05 GMT"),
        ]);
        let rl = parse(&h, now());
        assert_eq!(rl.requests_limit, Some(20));
        assert_eq!(rl.requests_remaining, Some(0));
        assert_eq!(rl.requests_reset_ms, Some(4_000));
        assert_eq!(rl.retry_after_ms, Some(5_000));
    }

    #[test]
    fn past_resets_are_zero_and_garbage_is_ignored() {
        let h = headers(&[
            ("anthropic-ratelimit-requests-reset", "2026-11-25T11:59:00Z"),
            ("anthropic-ratelimit-tokens-reset", "tomorrow"),
            ("anthropic-ratelimit-requests-limit", "lots"),
        ]);
        let rl = parse(&h, now());
        assert_eq!(rl.requests_reset_ms, Some(0));
        assert_eq!(rl.tokens_reset_ms, None);
        assert_eq!(rl.requests_limit, None);
        assert!(parse(&HeaderMap::new(), now()).is_empty());
    }
}
