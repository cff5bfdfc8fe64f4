//! The fallback-chain walker: wraps every model call of a run.
//!
//! Policy (design.md, failure classes):
//! - rate: a short `retry-after` (≤ 20 s) is waited out on the same hop; longer moves on;
//! - context: moves to the next hop with a larger window (any next hop if windows are unknown);
//! - auth, billing: every hop of that provider is skipped from then on;
//! - transient (5xx, 529, reset, timeout): retried on the same hop with exponential
//!   back-off and jitter (honouring `retry-after`), bounded in tries and in seconds; then
//!   the walker moves on *without* banning the hop, which later calls may use again;
//! - bad-request: the provider layer already retried once without the refused
//!   parameter; next hop;
//! - bad-model and anything else: next hop.
//!
//! Every attempt is recorded for the run record, successful or not, retries included.
//!
//! `mod.rs` is the walker; `hop.rs` a hop and the price of its answers, `retry.rs` the
//! wait and back-off policy, `summary.rs` what the attempts say once the chain is spent.

mod hop;
mod retry;
mod summary;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;

pub use hop::{Hop, cheapest};
pub use retry::RetryPolicy;
pub use summary::{ChainExhausted, advisor_hop, dominant_class};

use crate::failure::FailureClass;
use crate::provider::{ChatRequest, ChatResponse, ProviderError, ProviderKind};
use crate::run_record::HopAttempt;

pub struct ChainWalker {
    hops: Vec<Hop>,
    current: usize,
    dead_providers: HashSet<ProviderKind>,
    dead_hops: HashSet<usize>,
    attempts: Vec<HopAttempt>,
    policy: RetryPolicy,
    /// Recorded on every attempt when the walker serves the audit or the advisor.
    purpose: Option<String>,
    /// Spend already made elsewhere in the run, and the cap: a call that would start
    /// with the cap reached is refused (the advisor and the risk note obey `max_cost_usd`).
    spent_before: f64,
    max_cost_usd: f64,
}

/// A successful call: the answer and which hop gave it.
#[derive(Debug)]
pub struct Answer {
    pub response: ChatResponse,
    pub hop: usize,
    pub cost_usd: f64,
}

impl ChainWalker {
    pub fn new(hops: Vec<Hop>, policy: RetryPolicy) -> ChainWalker {
        ChainWalker {
            hops,
            current: 0,
            dead_providers: HashSet::new(),
            dead_hops: HashSet::new(),
            attempts: Vec::new(),
            policy,
            purpose: None,
            spent_before: 0.0,
            max_cost_usd: 0.0,
        }
    }

    /// Mark every attempt as made for `purpose` (`probe`, `risk-note`, `advisor`).
    pub fn with_purpose(mut self, purpose: &str) -> Self {
        self.purpose = Some(purpose.to_string());
        self
    }

    /// Refuse calls once `spent + this walker's cost` reaches `max_cost_usd` (0: no cap).
    pub fn with_budget(mut self, spent: f64, max_cost_usd: f64) -> Self {
        self.spent_before = spent;
        self.max_cost_usd = max_cost_usd;
        self
    }

    /// What this walker's successful calls cost.
    pub fn cost_usd(&self) -> f64 {
        self.attempts.iter().map(|a| a.cost_usd).sum()
    }

    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    pub fn attempts(&self) -> &[HopAttempt] {
        &self.attempts
    }

    /// The hop the next call goes to, if any is left.
    pub fn current(&self) -> Option<&Hop> {
        self.next_alive_from(self.current).map(|i| &self.hops[i])
    }

    pub fn current_index(&self) -> Option<usize> {
        self.next_alive_from(self.current)
    }

    fn alive(&self, i: usize) -> bool {
        !self.dead_hops.contains(&i)
            && !self
                .dead_providers
                .contains(&self.hops[i].client.provider())
    }

    fn next_alive_from(&self, start: usize) -> Option<usize> {
        (start..self.hops.len()).find(|&i| self.alive(i))
    }

    /// The next usable hop from `start`, skipping those this call already gave up on,
    /// wrapping to earlier hops (a hop left after a transient failure is usable again).
    fn next_for_call(&self, start: usize, skip: &HashSet<usize>) -> Option<usize> {
        (start..self.hops.len())
            .chain(0..start.min(self.hops.len()))
            .find(|&i| self.alive(i) && !skip.contains(&i))
    }

    /// Give up on the current hop (the loop decided the model is hallucinating) and move on.
    /// Returns the (from, to) slugs when another hop is left.
    pub fn abandon_current(&mut self) -> Option<(String, String)> {
        let from = self.current_index()?;
        self.dead_hops.insert(from);
        let to = self.next_alive_from(from + 1)?;
        self.current = to;
        Some((
            self.hops[from].slug().to_string(),
            self.hops[to].slug().to_string(),
        ))
    }

    /// Send `req` to the current hop, walking the chain on failure.
    pub async fn call(&mut self, req: &ChatRequest) -> Result<Answer, ChainExhausted> {
        let mut retries_here = 0u32;
        let mut transient_here = 0u32;
        let mut transient_waited = Duration::ZERO;
        let mut last_error: Option<ProviderError> = None;
        // Hops this call gave up on after transient failures: not banned, only not again
        // in this call.
        let mut left: HashSet<usize> = HashSet::new();
        loop {
            if self.max_cost_usd > 0.0 && self.spent_before + self.cost_usd() >= self.max_cost_usd {
                return Err(ChainExhausted {
                    summary: format!("the run's cost cap (${:.2}) is reached", self.max_cost_usd),
                    class: FailureClass::Limit,
                    last: "max_cost_usd reached".into(),
                    last_error: None,
                });
            }
            let Some(idx) = self.next_for_call(self.current, &left) else {
                return Err(self.exhausted(last_error));
            };
            if idx != self.current {
                retries_here = 0;
                transient_here = 0;
                self.current = idx;
            }
            let hop = self.hops[idx].clone();
            let started = Instant::now();
            // The adapter has its own per-request timeout; this outer one only guards
            // against a wire that never returns at all.
            let result = match tokio::time::timeout(
                hop.client.timeout.saturating_add(Duration::from_secs(5)),
                hop.client.chat(req),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(timeout_error(&hop, started.elapsed())),
            };
            let try_no = retries_here + transient_here;
            match result {
                Ok(response) => {
                    let cost = hop.cost_of(&response.usage);
                    self.record(idx, &response, cost, try_no);
                    return Ok(Answer {
                        response,
                        hop: idx,
                        cost_usd: cost,
                    });
                }
                Err(err) => {
                    let action = self.decide(&err, retries_here, transient_here, transient_waited);
                    let wait = match action {
                        Action::Retry(w) => Some(w),
                        _ => None,
                    };
                    self.record_error(idx, &err, action.label(), try_no, wait);
                    tracing::info!(hop = %hop.slug(), class = %err.class, action = action.label(), "model call failed");
                    match action {
                        Action::Retry(wait) => {
                            if err.class == FailureClass::Transient {
                                transient_here += 1;
                                transient_waited += wait;
                            } else {
                                retries_here += 1;
                            }
                            tokio::time::sleep(wait).await;
                        }
                        Action::MoveOn => {
                            left.insert(idx);
                            self.current = idx + 1;
                        }
                        Action::NextHop => {
                            self.dead_hops.insert(idx);
                            self.current = idx + 1;
                        }
                        Action::SkipProvider => {
                            self.dead_providers.insert(hop.client.provider());
                            self.current = idx + 1;
                        }
                        Action::LargerWindow => {
                            self.dead_hops.insert(idx);
                            let window = hop.context_window.unwrap_or(0);
                            // Prefer a hop that can hold more; fall back to plain order when
                            // no window is known.
                            let bigger = (idx + 1..self.hops.len()).find(|&j| {
                                self.alive(j)
                                    && self.hops[j].context_window.is_some_and(|w| w > window)
                            });
                            self.current = bigger.unwrap_or(idx + 1);
                            if let Some(b) = bigger {
                                for j in idx + 1..b {
                                    if self.hops[j].context_window.is_some_and(|w| w <= window) {
                                        self.dead_hops.insert(j);
                                    }
                                }
                            }
                        }
                    }
                    if self.current >= self.hops.len() {
                        // Wrap: an earlier hop left after a transient failure may answer.
                        self.current = 0;
                    }
                    last_error = Some(err);
                }
            }
        }
    }

    fn decide(
        &self,
        err: &ProviderError,
        retries_here: u32,
        transient_here: u32,
        transient_waited: Duration,
    ) -> Action {
        match err.class {
            FailureClass::Rate => match err.retry_after() {
                Some(wait)
                    if wait <= self.policy.max_wait
                        && retries_here < self.policy.max_retries_per_hop =>
                {
                    Action::Retry(wait)
                }
                // A 429 without any reset hint: one short back-off (where the policy
                // retries at all), then move on.
                None if retries_here < self.policy.max_retries_per_hop.min(1) => {
                    Action::Retry(Duration::from_secs(2).min(self.policy.max_wait))
                }
                _ => Action::NextHop,
            },
            FailureClass::Transient => {
                let retry_after = err.rate_limits.retry_after_ms.map(Duration::from_millis);
                match self.policy.backoff(transient_here, retry_after) {
                    Some(wait)
                        if transient_here < self.policy.transient_retries
                            && transient_waited + wait <= self.policy.transient_budget =>
                    {
                        Action::Retry(wait)
                    }
                    _ => Action::MoveOn,
                }
            }
            FailureClass::Auth | FailureClass::Billing => Action::SkipProvider,
            FailureClass::Context => Action::LargerWindow,
            _ => Action::NextHop,
        }
    }

    fn record(&mut self, idx: usize, r: &ChatResponse, cost: f64, retry: u32) {
        let base = self.attempt(idx, retry);
        self.attempts.push(HopAttempt {
            status: Some(r.status),
            latency_ms: millis(r.latency),
            tokens_in: r.usage.input_tokens,
            tokens_out: r.usage.output_tokens,
            cost_usd: cost,
            dropped_params: r.dropped_params.clone(),
            cache_read_tokens: r.usage.cache_read_tokens,
            ..base
        });
    }

    /// The fields every attempt on hop `idx` shares.
    fn attempt(&self, idx: usize, retry: u32) -> HopAttempt {
        let hop = &self.hops[idx];
        HopAttempt {
            hop: idx,
            model: hop.slug().to_string(),
            provider: hop.client.provider().to_string(),
            at: Utc::now(),
            class: None,
            status: None,
            error: None,
            latency_ms: 0,
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: 0.0,
            action: String::new(),
            retry,
            wait_ms: None,
            dropped_params: Vec::new(),
            purpose: self.purpose.clone(),
            cache_read_tokens: 0,
        }
    }

    fn record_error(
        &mut self,
        idx: usize,
        err: &ProviderError,
        action: &str,
        retry: u32,
        wait: Option<Duration>,
    ) {
        let base = self.attempt(idx, retry);
        self.attempts.push(HopAttempt {
            class: Some(err.class),
            status: err.status,
            error: Some(crate::secret::redact(&err.message)),
            latency_ms: millis(err.latency),
            action: action.to_string(),
            wait_ms: wait.map(millis),
            dropped_params: err.param.iter().cloned().collect(),
            ..base
        });
    }
}

/// Milliseconds, saturating (a `Duration` from untrusted text can be huge).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

enum Action {
    Retry(Duration),
    /// Transient: leave the hop for this call, without banning it.
    MoveOn,
    NextHop,
    SkipProvider,
    LargerWindow,
}

impl Action {
    fn label(&self) -> &'static str {
        match self {
            Action::Retry(_) => "retry",
            Action::MoveOn => "move-on",
            Action::NextHop => "next-hop",
            Action::SkipProvider => "skip-provider",
            Action::LargerWindow => "larger-window",
        }
    }
}

fn timeout_error(hop: &Hop, latency: Duration) -> ProviderError {
    ProviderError {
        class: FailureClass::Transient,
        status: None,
        message: format!(
            "{} did not answer within {} s",
            hop.slug(),
            hop.client.timeout.as_secs()
        ),
        raw: String::new(),
        rate_limits: Default::default(),
        latency,
        param: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ModelClient;
    use crate::provider::scripted::{Script, ScriptTurn};

    fn err(status: u16, body: &str) -> ScriptTurn {
        ScriptTurn::Error {
            status,
            body: body.into(),
        }
    }

    fn ok(text: &str) -> ScriptTurn {
        ScriptTurn::Reply {
            text: text.into(),
            tool_calls: vec![],
        }
    }

    fn hop(name: &str, turns: Vec<ScriptTurn>) -> Hop {
        Hop::new(ModelClient::scripted(name, Script::new(turns)))
    }

    #[tokio::test]
    async fn walks_to_the_next_hop_and_records_everything() {
        let mut w = ChainWalker::new(
            vec![
                hop(
                    "a",
                    vec![err(
                        404,
                        r#"{"error":{"code":"model_not_found","message":"no"}}"#,
                    )],
                ),
                hop("b", vec![ok("hello")]),
            ],
            RetryPolicy::default(),
        );
        let a = w.call(&ChatRequest::default()).await.unwrap();
        assert_eq!(a.hop, 1);
        assert_eq!(a.response.text, "hello");
        let classes: Vec<_> = w.attempts().iter().map(|a| a.class).collect();
        assert_eq!(classes, vec![Some(FailureClass::BadModel), None]);
        assert_eq!(w.attempts()[0].action, "next-hop");
    }

    #[tokio::test]
    async fn exhausted_chain_says_what_each_hop_did() {
        let mut w = ChainWalker::new(
            vec![
                hop(
                    "a",
                    vec![err(
                        401,
                        r#"{"error":{"code":"invalid_api_key","message":"bad key"}}"#,
                    )],
                ),
                hop(
                    "b",
                    vec![err(
                        529,
                        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                    )],
                ),
            ],
            RetryPolicy::default(),
        );
        let e = w.call(&ChatRequest::default()).await.unwrap_err();
        // Scripted hops share the `scripted` provider, so auth on `a` skips `b` too.
        assert!(e.summary.contains("scripted/a: auth"), "{}", e.summary);
        assert!(e.summary.contains("scripted/b: skipped"), "{}", e.summary);
        assert_eq!(e.class, FailureClass::Auth);
    }

    #[tokio::test]
    async fn empty_chain_is_an_error_not_a_panic() {
        let mut w = ChainWalker::new(vec![], RetryPolicy::default());
        let e = w.call(&ChatRequest::default()).await.unwrap_err();
        assert_eq!(e.class, FailureClass::NoModel);
    }

    #[tokio::test]
    async fn abandon_moves_on() {
        let mut w = ChainWalker::new(
            vec![hop("a", vec![]), hop("b", vec![ok("x")])],
            RetryPolicy::default(),
        );
        let (from, to) = w.abandon_current().unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("scripted/a", "scripted/b"));
        assert!(w.abandon_current().is_none());
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(5),
            ..RetryPolicy::default()
        }
    }

    const OVERLOADED: &str =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;

    #[tokio::test]
    async fn a_transient_failure_is_retried_on_the_same_hop() {
        let mut w = ChainWalker::new(
            vec![hop(
                "a",
                vec![err(529, OVERLOADED), err(503, "busy"), ok("hi")],
            )],
            fast(),
        );
        let a = w.call(&ChatRequest::default()).await.unwrap();
        assert_eq!(a.hop, 0);
        let rows: Vec<_> = w
            .attempts()
            .iter()
            .map(|a| (a.class, a.action.as_str(), a.retry))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Some(FailureClass::Transient), "retry", 0),
                (Some(FailureClass::Transient), "retry", 1),
                (None, "", 2),
            ]
        );
        assert!(w.attempts()[0].wait_ms.is_some());
    }

    #[tokio::test]
    async fn a_persisting_overload_moves_on_without_banning_the_hop() {
        let overloaded = (0..4).map(|_| err(529, OVERLOADED)).collect();
        let mut w = ChainWalker::new(
            vec![
                hop("a", overloaded),
                hop("b", vec![ok("from b"), err(404, "model_not_found")]),
            ],
            fast(),
        );
        let first = w.call(&ChatRequest::default()).await.unwrap();
        assert_eq!(first.hop, 1);
        assert_eq!(w.attempts()[3].action, "move-on");
        // b now fails for good: the walker wraps back to a, which was never banned (its
        // script is spent, so it answers "no turn": a bad-model of its own).
        let second = w.call(&ChatRequest::default()).await;
        assert!(second.is_err());
        let back_to_a = w.attempts().iter().skip(5).any(|x| x.hop == 0);
        assert!(back_to_a, "{:#?}", w.attempts());
    }

    #[tokio::test]
    async fn the_advisor_policy_asks_each_hop_once() {
        for first in [err(429, "slow down"), err(529, OVERLOADED)] {
            let mut w =
                ChainWalker::new(vec![hop("a", vec![first, ok("x")])], RetryPolicy::advisor());
            assert!(w.call(&ChatRequest::default()).await.is_err());
            assert_eq!(w.attempts().len(), 1, "{:?}", w.attempts());
        }
    }

    #[tokio::test]
    async fn a_call_past_the_cost_cap_is_refused() {
        let mut w = ChainWalker::new(vec![hop("a", vec![ok("x")])], fast()).with_budget(2.5, 2.0);
        let e = w.call(&ChatRequest::default()).await.unwrap_err();
        assert_eq!(e.class, FailureClass::Limit);
        assert!(w.attempts().is_empty());
    }
}
