//! The model calls: one row per call attempt, the handoffs between models, and the models
//! used in order of first use.

use super::Mark;
use crate::report::fmt;
use crate::run_record::RunRecord;

#[derive(Debug, Clone)]
pub(crate) struct HopsView {
    pub rows: Vec<HopRow>,
    pub handoffs: Vec<HandoffRow>,
    /// Each model once, in the order the run first called it.
    pub models: Vec<String>,
    pub failed_calls: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct HopRow {
    pub hop: usize,
    pub model: String,
    /// `HH:MM:SS`.
    pub at: String,
    pub mark: Mark,
    /// The failure class of a failed call.
    pub class: Option<&'static str>,
    pub status: Option<u16>,
    /// The whole error text, when the call returned one.
    pub error: Option<String>,
    pub latency: String,
    pub tokens_in: String,
    pub tokens_out: String,
    pub cost: String,
    /// What the walker did next.
    pub action: String,
}

#[derive(Debug, Clone)]
pub(crate) struct HandoffRow {
    pub from: String,
    pub to: String,
    pub at_turn: u32,
    pub reason: String,
    pub summary: String,
}

impl HopsView {
    pub(crate) fn of(record: &RunRecord) -> Option<HopsView> {
        if record.hops.is_empty()
            && record.handoffs.is_empty()
            && record.advisor_attempts.is_empty()
        {
            return None;
        }
        let mut models: Vec<String> = Vec::new();
        for h in &record.hops {
            if !models.contains(&h.model) {
                models.push(h.model.clone());
            }
        }
        // The advisor's own call comes last, marked, so its cost is visible beside the rest.
        let advisor = record.advisor_attempts.iter().map(|h| (h, " · advisor"));
        let rows = record
            .hops
            .iter()
            .map(|h| (h, ""))
            .chain(advisor)
            .map(|(h, role)| HopRow {
                hop: h.hop,
                model: format!("{}{role}", h.model),
                at: fmt::clock(h.at),
                mark: match h.class {
                    None => Mark::new("✅", "✓", "ok", "ok"),
                    Some(_) => Mark::new("❌", "✗", "bad", "failed"),
                },
                class: h.class.map(|c| c.as_str()),
                status: h.status,
                error: h.error.clone(),
                latency: fmt::ms(h.latency_ms),
                tokens_in: fmt::tokens(h.tokens_in),
                tokens_out: fmt::tokens(h.tokens_out),
                cost: fmt::cost(h.cost_usd),
                action: h.action.clone(),
            })
            .collect();
        Some(HopsView {
            rows,
            handoffs: record
                .handoffs
                .iter()
                .map(|h| HandoffRow {
                    from: h.from.clone(),
                    to: h.to.clone(),
                    at_turn: h.at_turn,
                    reason: h.reason.clone(),
                    summary: h.summary.clone(),
                })
                .collect(),
            models,
            failed_calls: record.hops.iter().filter(|h| h.class.is_some()).count(),
        })
    }
}
