//! The report view model: every fact a report shows, decided once from the [`RunRecord`].
//!
//! Which sections and rows exist, their words, marks and order, and every number (through
//! [`super::fmt`]) are settled here; the surfaces (`summary`, `html`, `pr_body`, `progress`)
//! only lay the view out in their medium and escape it for that medium. Texts here are plain
//! and unescaped. Which surface shows which section is one table (`coverage.rs`, with the
//! test that every surface shows the facts of each section it claims).

mod audit;
mod changes;
mod header;
mod hops;
mod publish;
mod terrain;
mod tests;

pub(crate) use audit::AuditView;
pub(crate) use changes::ChangesView;
pub(crate) use header::{AdviceView, DEMO_NOTE, Header, StageChip};
pub(crate) use hops::{HopRow, HopsView};
pub(crate) use publish::{
    LEFT_OUT, LEFT_OUT_WHY, PublishView, RESTORED, RESTORED_WHY, SandboxView,
};
pub(crate) use terrain::TerrainView;
pub(crate) use tests::{
    AFTER, BEFORE, FLAKY, NO_TEST_FILE, PROOF_NAMES_SHOWN, ProofView, RunCells, TEST_FILES,
    TESTS_ADDED, TestRow, TestsView, proof_line,
};

use crate::run_record::{RunRecord, StageStatus};

/// One state drawn in each medium: the emoji for GitHub markdown, a plain glyph for the HTML
/// page (emoji fonts are not a given there), a CSS class, and the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub emoji: &'static str,
    pub glyph: &'static str,
    pub class: &'static str,
    pub word: &'static str,
}

impl Mark {
    pub(crate) const fn new(
        emoji: &'static str,
        glyph: &'static str,
        class: &'static str,
        word: &'static str,
    ) -> Mark {
        Mark {
            emoji,
            glyph,
            class,
            word,
        }
    }

    /// A stage's mark: done, failed, or skipped.
    pub(crate) fn stage(s: StageStatus) -> Mark {
        match s {
            StageStatus::Ok => Mark::new("✅", "✓", "ok", "done"),
            StageStatus::Failed => Mark::new("❌", "✗", "bad", "failed"),
            StageStatus::Skipped => Mark::new("⏭️", "–", "skip", "skipped"),
        }
    }
}

/// How many failing test names a row shows: markdown surfaces are read on GitHub beside
/// other text, the page is the full local view.
pub(crate) const FAILING_SHOWN_MD: usize = 8;
pub(crate) const FAILING_SHOWN_PAGE: usize = 20;

/// The first `max` items and how many more there are.
pub(crate) fn first<T>(items: &[T], max: usize) -> (&[T], usize) {
    let n = items.len().min(max);
    (&items[..n], items.len() - n)
}

/// `1 file` / `3 files`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Everything the reports show about one run.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub header: Header,
    pub advice: AdviceView,
    pub publish: Option<PublishView>,
    pub sandbox: Option<SandboxView>,
    pub tests: Option<TestsView>,
    pub proof: ProofView,
    pub changes: Option<ChangesView>,
    pub hops: Option<HopsView>,
    pub audit: Option<AuditView>,
    pub terrain: Option<TerrainView>,
    pub warnings: Vec<String>,
}

impl View {
    pub(crate) fn of(record: &RunRecord) -> View {
        View {
            header: Header::of(record),
            advice: AdviceView::of(record),
            publish: record.publish.as_ref().map(PublishView::of),
            sandbox: record.sandbox.as_ref().map(SandboxView::of),
            tests: TestsView::of(record),
            proof: ProofView::of(record),
            changes: ChangesView::of(record),
            hops: HopsView::of(record),
            audit: record.audit.as_ref().map(AuditView::of),
            terrain: TerrainView::of(record),
            warnings: record.warnings.clone(),
        }
    }
}

#[cfg(test)]
mod coverage;
