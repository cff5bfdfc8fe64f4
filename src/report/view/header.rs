//! The outcome (status, DEMO, the run's facts, its stages) and the advice, as every surface
//! shows them.

use super::Mark;
use crate::report::fmt;
use crate::run_record::{Advice, RunRecord, RunStatus, StageStatus};

/// Said wherever a demo run is reported, after the surface's own "DEMO" tag.
pub(crate) const DEMO_NOTE: &str = "run on the bundled example with a scripted model: no keys, no network, nothing real was changed.";

#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub status: RunStatus,
    /// Emoji / glyph / tone class of the run, and its word ("Fixed", "No fix", …).
    pub mark: Mark,
    /// The status in a sentence's middle: "passed", "failed", "did not finish".
    pub status_lower: &'static str,
    /// The failure class, when the run did not succeed and one is known.
    pub failure_class: Option<&'static str>,
    pub demo: bool,
    pub issue_number: Option<u64>,
    /// Trimmed, not clipped.
    pub issue_title: String,
    pub issue_url: Option<String>,
    pub repo_slug: Option<String>,
    pub origin: String,
    pub base_branch: Option<String>,
    pub run_id: String,
    pub cost: String,
    /// `$0.0123`: the exact cost, for the PR and the comment.
    pub cost_exact: String,
    pub tokens_in: String,
    pub tokens_out: String,
    pub turns: u32,
    pub calls: usize,
    pub took: Option<String>,
    pub started: String,
    pub stages: Vec<StageChip>,
    /// What `sanitize` removed from the issue text.
    pub sanitized: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct StageChip {
    pub name: String,
    pub status: StageStatus,
    pub mark: Mark,
    pub duration: String,
    /// Seconds with one decimal: "1.2 s" (the checklist's steady width).
    pub seconds: String,
    pub note: Option<String>,
}

impl Header {
    pub(crate) fn of(record: &RunRecord) -> Header {
        let t = &record.task;
        let (mark, status_lower) = match record.status {
            RunStatus::Success => (Mark::new("✅", "✓", "ok", "Fixed"), "passed"),
            RunStatus::Failed => (Mark::new("❌", "✗", "bad", "No fix"), "failed"),
            RunStatus::Skipped => (Mark::new("⏭️", "–", "warn", "Skipped"), "skipped"),
            RunStatus::Running => (
                Mark::new("⏳", "…", "warn", "Did not finish"),
                "did not finish",
            ),
        };
        let failure_class = record
            .failure
            .as_ref()
            .filter(|_| record.status != RunStatus::Success)
            .map(|f| f.class.as_str());
        Header {
            status: record.status,
            mark,
            status_lower,
            failure_class,
            demo: record.demo,
            issue_number: t.issue_number,
            issue_title: t.issue_title.trim().to_string(),
            issue_url: t.issue_url.clone(),
            repo_slug: t.repo_slug.clone(),
            origin: t.origin.clone(),
            base_branch: t.base_branch.clone(),
            run_id: record.run_id.clone(),
            cost: fmt::cost(record.cost_usd),
            cost_exact: fmt::cost_exact(record.cost_usd),
            tokens_in: fmt::tokens(record.tokens_in),
            tokens_out: fmt::tokens(record.tokens_out),
            turns: record.turns,
            calls: record.hops.len(),
            took: fmt::run_duration(record),
            started: fmt::time(record.started_at),
            stages: record
                .stages
                .iter()
                .map(|st| StageChip {
                    name: st.name.clone(),
                    status: st.status,
                    mark: Mark::stage(st.status),
                    duration: fmt::ms(st.duration_ms),
                    seconds: format!("{:.1} s", st.duration_ms as f64 / 1000.0),
                    note: st.note.clone(),
                })
                .collect(),
            sanitized: record.sanitized.clone(),
        }
    }

    /// `#42 Title`, or the title alone.
    pub(crate) fn title_text(&self) -> String {
        match self.issue_number {
            Some(n) => format!("#{n} {}", self.issue_title),
            None => self.issue_title.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AdviceView {
    /// "What to review" after a fix, "What happened" otherwise.
    pub title: &'static str,
    /// The record's own advice, else the built-in text (publish runs before the advisor).
    pub advice: Advice,
    /// The body's paragraphs, trimmed, empty ones dropped.
    pub paragraphs: Vec<String>,
    /// The real error under the advice: class, message, raw text.
    pub failure: Option<(&'static str, String, String)>,
}

impl AdviceView {
    pub(crate) fn of(record: &RunRecord) -> AdviceView {
        let advice = crate::report::advice(record);
        let paragraphs = advice
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        AdviceView {
            title: if record.status == RunStatus::Success {
                "What to review"
            } else {
                "What happened"
            },
            advice,
            paragraphs,
            failure: record
                .failure
                .as_ref()
                .map(|f| (f.class.as_str(), f.message.clone(), f.raw.clone())),
        }
    }
}
