//! Every report is a pure function of the [`RunRecord`] (plus, for the HTML page, the run
//! directory's transcript lines and terrain picture). Nothing here reads the repository, the
//! network or the clock, so a run directory can be re-rendered at any time
//! (`octagit report --run DIR`).
//!
//! One view model (`view`) decides what every report says; the surfaces lay it out: the job
//! summary (`summary`, shortened by `shrink`), the page (`html`), the PR body (`pr_body`),
//! the progress comment (`progress`) and the action's own short summaries (`action`).
//!
//! Every text that leaves here has passed through [`crate::secret::redact`].

pub mod action;
mod commit_message;
pub(crate) mod fmt;
mod html;
mod markdown;
mod pr_body;
pub mod progress;
mod proof;
mod shrink;
mod summary;
mod terrain_image;
mod triage;
mod view;

use std::path::Path;

pub use terrain_image::terrain_image_markdown;
pub use triage::triage_summary;

use crate::run_record::{Advice, RunRecord};
use crate::secret::redact;

/// GitHub drops a step summary over 1 MiB (1,048,576 bytes); stay clearly under it so the
/// runner's own line-by-line secret masking cannot push it over.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// The run directory's files the HTML page shows beside the record.
#[derive(Debug, Clone, Default)]
pub struct RunArtefacts {
    /// `trajectory.jsonl`, one JSON value per line (lines that do not parse are skipped).
    pub trajectory: Vec<serde_json::Value>,
    /// `terrain.svg`, as written.
    pub terrain_svg: Option<String>,
}

impl RunArtefacts {
    /// Read what is there; a missing or unreadable file is simply absent, because a run that
    /// died early still deserves a report.
    pub fn load(dir: &Path) -> Self {
        let trajectory = std::fs::read_to_string(dir.join("trajectory.jsonl"))
            .map(|text| {
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default();
        let terrain_svg = std::fs::read_to_string(dir.join("terrain.svg")).ok();
        RunArtefacts {
            trajectory,
            terrain_svg,
        }
    }
}

/// The advice the reports show: the record's own (model-written or built-in), else the
/// built-in text for the record.
pub fn advice(record: &RunRecord) -> Advice {
    record
        .advice
        .clone()
        .unwrap_or_else(|| crate::advisor::deterministic(record))
}

/// The job summary (GitHub-flavoured Markdown), guaranteed under [`SUMMARY_LIMIT`] bytes.
pub fn job_summary(record: &RunRecord) -> String {
    job_summary_with_limit(record, SUMMARY_LIMIT)
}

/// The job summary, shortened (largest parts first, said in the summary) to `limit_bytes`.
pub fn job_summary_with_limit(record: &RunRecord, limit_bytes: usize) -> String {
    summary::render(&view::View::of(record), limit_bytes)
}

/// The self-contained HTML page: inline CSS and SVG, no external requests.
pub fn html(record: &RunRecord, artefacts: &RunArtefacts) -> String {
    html::render(&view::View::of(record), artefacts)
}

/// The pull request body for issue `issue`, with `notes` said at the top. Publish runs
/// before the advisor, so the built-in advice stands in until it has spoken.
pub fn pr_body(record: &RunRecord, issue: u64, notes: &[String]) -> String {
    pr_body::render(&view::View::of(record), issue, notes)
}

/// The short body a compare page is pre-filled with, when the PR must be opened by hand.
pub fn compare_body(record: &RunRecord, issue: u64) -> String {
    pr_body::compare_body(record, issue)
}

/// The same for the `-wip` branch's partial work.
pub fn wip_compare_body(issue: u64) -> String {
    pr_body::wip_compare_body(issue)
}

/// The commit message for issue `issue` titled `title`; `wip` when the tests did not pass.
pub fn commit_message(record: &RunRecord, issue: u64, title: &str, wip: bool) -> String {
    commit_message::render(record, issue, title, wip)
}

/// The advice alone as Markdown (for an issue comment), with the real error below it.
pub fn advice_markdown(record: &RunRecord) -> String {
    redact(&summary::advice_block(&view::AdviceView::of(record), None))
}

/// The proof section of the PR body (test edits, flaky baseline tests); empty when there
/// is nothing to say.
pub fn proof_pr_section(record: &RunRecord) -> String {
    proof::pr_section(record)
}

/// The same section for the job summary, under a bold line.
pub fn proof_summary_section(record: &RunRecord) -> String {
    proof::summary_section(record)
}

/// One re-run test's proof in a sentence.
pub fn proof_line(p: &crate::run_record::TestProof) -> String {
    view::proof_line(p)
}

/// The record as pretty JSON, redacted.
pub fn json(record: &RunRecord) -> String {
    let text =
        serde_json::to_string_pretty(record).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    redact(&text)
}

/// Write `summary.md`, `report.html` and `advice.md` into `dir` (the run directory, whose
/// `trajectory.jsonl` and `terrain.svg` the page includes). Returns the file names written.
pub fn write_all(record: &RunRecord, dir: &Path) -> std::io::Result<Vec<String>> {
    let artefacts = RunArtefacts::load(dir);
    let files = [
        ("summary.md", job_summary(record)),
        ("report.html", html(record, &artefacts)),
        ("advice.md", advice_markdown(record)),
    ];
    let mut written = vec![];
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
        written.push(name.to_string());
    }
    Ok(written)
}
