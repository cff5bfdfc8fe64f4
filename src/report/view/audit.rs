//! The audit: the chain, the first prompt's size, one row per candidate model, the risk note.

use super::Mark;
use crate::report::fmt;
use crate::run_record::{AuditCandidate, AuditReport, PriceSource};

#[derive(Debug, Clone)]
pub(crate) struct AuditView {
    pub chain: Vec<String>,
    /// `(tokens, how they were counted)`, when the prompt was measured.
    pub prompt: Option<(String, String)>,
    pub rows: Vec<CandidateRow>,
    /// Whether any row has a note (the page drops the column otherwise).
    pub any_note: bool,
    /// `(note, author)`.
    pub risk: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct CandidateRow {
    pub slug: String,
    /// ✅ usable, ⚠️ reachable but limited, ❌ not usable.
    pub usable: Mark,
    /// `$/Mtok in / out`: "3.00 / 15.00", "?".
    pub price: String,
    pub price_source: &'static str,
    /// "79.0k / 80.0k", "? / 80.0k", or empty.
    pub tpm: String,
    pub context: String,
    pub fits: &'static str,
    pub tools: &'static str,
    pub est_cost: String,
    pub note_class: Option<&'static str>,
    pub note_reason: Option<String>,
}

pub(crate) fn price_source(p: PriceSource) -> &'static str {
    match p {
        PriceSource::Live => "live",
        PriceSource::Cache => "cache",
        PriceSource::BuiltIn => "built-in",
        PriceSource::Local => "local (free)",
        PriceSource::Unknown => "unknown",
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

impl CandidateRow {
    fn of(c: &AuditCandidate) -> CandidateRow {
        let usable = if c.viable {
            Mark::new("✅", "✓", "ok", "yes")
        } else if c.reachable {
            Mark::new("⚠️", "!", "warn", "limited")
        } else {
            Mark::new("❌", "✗", "bad", "no")
        };
        let price = match (c.input_per_mtok, c.output_per_mtok) {
            (Some(i), Some(o)) => format!("{i:.2} / {o:.2}"),
            (Some(i), None) => format!("{i:.2} / ?"),
            _ => "?".into(),
        };
        let tpm = match (c.tpm_remaining, c.tpm_limit) {
            (Some(r), Some(l)) => format!("{} / {}", fmt::tokens(r), fmt::tokens(l)),
            (None, Some(l)) => format!("? / {}", fmt::tokens(l)),
            (Some(r), None) => format!("{} / ?", fmt::tokens(r)),
            _ => String::new(),
        };
        CandidateRow {
            slug: c.slug.clone(),
            usable,
            price,
            price_source: price_source(c.price_source),
            tpm,
            context: c.context_window.map(fmt::tokens).unwrap_or_default(),
            fits: yes_no(c.fits),
            tools: yes_no(c.supports_tools),
            est_cost: c.est_run_cost_usd.map(fmt::cost).unwrap_or_default(),
            note_class: c.class.map(|cl| cl.as_str()),
            note_reason: c.reason.clone(),
        }
    }
}

impl AuditView {
    pub(crate) fn of(a: &AuditReport) -> AuditView {
        AuditView {
            chain: a.chain.clone(),
            prompt: (a.prompt_tokens > 0)
                .then(|| (fmt::tokens(a.prompt_tokens), a.prompt_tokens_method.clone())),
            rows: a.candidates.iter().map(CandidateRow::of).collect(),
            any_note: a
                .candidates
                .iter()
                .any(|c| c.class.is_some() || c.reason.is_some()),
            risk: (!a.risk_note.trim().is_empty())
                .then(|| (a.risk_note.clone(), a.risk_note_author.clone())),
        }
    }
}
