//! Chain ranking: which usable hops to try, in which order.
//!
//! Viable = reachable, fits (or window unknown), calls tools (or unknown). Ranked by: known
//! fit, known tool support, token headroom against the estimated turn size, estimated cost
//! of a typical run. A user-given chain keeps its order; its dead hops are dropped.

use crate::run_record::AuditCandidate;

/// Input tokens each turn adds to the context on average (tool results, the model's own
/// messages). With a first prompt of P tokens, turn k sends about P + k × GROWTH.
pub const TURN_GROWTH: u64 = 1_500;
/// Output tokens of an average turn (tool calls and a few lines of reasoning).
pub const OUTPUT_PER_TURN: u64 = 400;

/// The job's expected size, for headroom and cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    pub prompt_tokens: u64,
    pub turns: u32,
}

impl Workload {
    /// Average input tokens of one turn over the run.
    pub fn tokens_per_turn(&self) -> u64 {
        let turns = u64::from(self.turns.max(1));
        self.prompt_tokens + TURN_GROWTH * (turns - 1) / 2
    }

    /// Estimated cost of a run on this hop, in USD; `None` when the price is unknown.
    pub fn run_cost(&self, c: &AuditCandidate) -> Option<f64> {
        let (i, o) = (c.input_per_mtok?, c.output_per_mtok?);
        let turns = f64::from(self.turns.max(1));
        let per_turn = self.tokens_per_turn() as f64 * i + OUTPUT_PER_TURN as f64 * o;
        Some(turns * per_turn / 1e6)
    }

    /// Turns of average size the remaining token budget covers right now.
    pub fn headroom_turns(&self, c: &AuditCandidate) -> Option<f64> {
        let remaining = c.tpm_remaining?;
        Some(remaining as f64 / self.tokens_per_turn().max(1) as f64)
    }
}

/// Headroom buckets, best first: a budget known to cover several turns beats an unknown
/// one, which beats a budget known to be tight.
fn headroom_bucket(turns: Option<f64>) -> u8 {
    match turns {
        Some(t) if t >= 3.0 => 0,
        None => 1,
        Some(t) if t >= 1.0 => 2,
        Some(_) => 3,
    }
}

pub fn is_viable(c: &AuditCandidate) -> bool {
    c.reachable && c.fits != Some(false) && c.supports_tools != Some(false)
}

/// The reason a reachable hop is not viable, when it is not.
pub fn drop_reason(c: &AuditCandidate) -> Option<String> {
    if !c.reachable {
        return None;
    }
    if c.fits == Some(false) {
        let window = c.context_window.unwrap_or(0);
        let tokens = c.prompt_tokens.unwrap_or(0);
        return Some(format!(
            "too small: the first prompt (~{tokens} tokens) is more than 75% of its {window}-token window"
        ));
    }
    if c.supports_tools == Some(false) {
        return Some("no tools: the model does not support tool calling".into());
    }
    None
}

fn sort_key(c: &AuditCandidate, w: &Workload) -> (u8, u8, u8, f64) {
    let fit = if c.fits == Some(true) { 0 } else { 1 };
    let tools = if c.supports_tools == Some(true) { 0 } else { 1 };
    let head = headroom_bucket(w.headroom_turns(c));
    let cost = w.run_cost(c).unwrap_or(f64::INFINITY);
    (fit, tools, head, cost)
}

/// Order the candidates (viable first, in chain order; the rest after, in input order) and
/// return the chain of viable slugs.
pub fn rank(cands: &mut Vec<AuditCandidate>, user_chain: bool, w: &Workload) -> Vec<String> {
    let (mut viable, rest): (Vec<_>, Vec<_>) = cands.drain(..).partition(|c| c.viable);
    if !user_chain {
        // Stable: equal keys keep the default order.
        viable.sort_by(|a, b| {
            sort_key(a, w)
                .partial_cmp(&sort_key(b, w))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    let chain = viable.iter().map(|c| c.slug.clone()).collect();
    cands.extend(viable);
    cands.extend(rest);
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::PriceSource;

    pub(crate) fn cand(slug: &str) -> AuditCandidate {
        AuditCandidate {
            slug: slug.into(),
            provider: "openai".into(),
            reachable: true,
            input_per_mtok: Some(1.0),
            output_per_mtok: Some(4.0),
            price_source: PriceSource::BuiltIn,
            context_window: Some(100_000),
            fits: Some(true),
            supports_tools: Some(true),
            viable: true,
            prompt_tokens: Some(10_000),
            ..Default::default()
        }
    }

    const W: Workload = Workload {
        prompt_tokens: 10_000,
        turns: 10,
    };

    #[test]
    fn workload_figures() {
        assert_eq!(W.tokens_per_turn(), 10_000 + 1_500 * 9 / 2);
        let c = cand("a");
        let cost = W.run_cost(&c).unwrap();
        let want = 10.0 * (16_750.0 * 1.0 + 400.0 * 4.0) / 1e6;
        assert!((cost - want).abs() < 1e-12, "{cost} {want}");
    }

    #[test]
    fn ranks_by_fit_tools_headroom_cost() {
        let mut cheap_tight = cand("cheap-tight");
        cheap_tight.input_per_mtok = Some(0.1);
        cheap_tight.tpm_remaining = Some(20_000); // ~1.2 turns
        let mut pricey_ample = cand("pricey-ample");
        pricey_ample.input_per_mtok = Some(3.0);
        pricey_ample.tpm_remaining = Some(400_000);
        let mut mid_unknown = cand("mid-unknown");
        mid_unknown.input_per_mtok = Some(1.0);
        let mut cheap_ample = cand("cheap-ample");
        cheap_ample.input_per_mtok = Some(0.5);
        cheap_ample.tpm_remaining = Some(1_000_000);
        let mut window_unknown = cand("window-unknown");
        window_unknown.fits = None;
        window_unknown.input_per_mtok = Some(0.0);
        let mut tools_unknown = cand("tools-unknown");
        tools_unknown.supports_tools = None;
        tools_unknown.input_per_mtok = Some(0.0);
        let mut dead = cand("dead");
        dead.viable = false;
        dead.input_per_mtok = Some(0.0);
        let mut cands = vec![
            dead,
            cheap_tight,
            window_unknown,
            pricey_ample,
            tools_unknown,
            mid_unknown,
            cheap_ample,
        ];
        let chain = rank(&mut cands, false, &W);
        assert_eq!(
            chain,
            [
                "cheap-ample",
                "pricey-ample",
                "mid-unknown",
                "cheap-tight",
                "tools-unknown",
                "window-unknown"
            ]
        );
        assert_eq!(cands.last().unwrap().slug, "dead");
    }

    #[test]
    fn user_chain_keeps_its_order() {
        let mut a = cand("a");
        a.input_per_mtok = Some(10.0);
        let mut b = cand("b");
        b.viable = false;
        let c = cand("c");
        let mut cands = vec![a, b, c];
        let chain = rank(&mut cands, true, &W);
        assert_eq!(chain, ["a", "c"]);
    }

    #[test]
    fn drop_reasons() {
        let mut c = cand("small");
        c.fits = Some(false);
        c.context_window = Some(8_000);
        assert!(drop_reason(&c).unwrap().starts_with("too small"));
        let mut c = cand("no-tools");
        c.supports_tools = Some(false);
        assert!(drop_reason(&c).unwrap().starts_with("no tools"));
        assert!(drop_reason(&cand("ok")).is_none());
    }
}
