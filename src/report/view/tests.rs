//! The gate as the reports show it: the command, one row per test run (setup, before,
//! after), the verdict, and the proof section on test edits and flaky baseline tests.

use super::Mark;
use crate::report::fmt;
use crate::run_record::{RunRecord, TestChanges, TestOutcome, TestProof, TestRun};

#[derive(Debug, Clone)]
pub(crate) struct TestsView {
    pub command: Option<String>,
    /// Where the command came from ("detected from pyproject.toml", "input").
    pub source: Option<String>,
    pub setup_command: Option<String>,
    /// Empty when no test run happened at all.
    pub rows: Vec<TestRow>,
    pub verdict: Option<String>,
    /// The verdict's mark: passed, failed, or none when the gate did not decide.
    pub verdict_mark: Option<Mark>,
    /// (title, output tail) of each run with output, for the collapsed blocks.
    pub outputs: Vec<(&'static str, String)>,
}

const PASSED: Mark = Mark::new("✅", "✓", "ok", "passed");
const FAILED: Mark = Mark::new("❌", "✗", "bad", "failed");
const TIMED_OUT: Mark = Mark::new("⏱️", "⏱", "warn", "timed out");

/// The rows' names, the same on every surface.
pub(crate) const SETUP: &str = "Setup";
pub(crate) const BEFORE: &str = "Before (baseline)";
pub(crate) const AFTER: &str = "After the edit";

#[derive(Debug, Clone)]
pub(crate) struct TestRow {
    pub label: &'static str,
    /// The setup command's run, not a test run: the PR body leaves it out.
    pub is_setup: bool,
    /// `None`: this run did not happen.
    pub run: Option<RunCells>,
}

#[derive(Debug, Clone)]
pub(crate) struct RunCells {
    pub mark: Mark,
    pub passed: u64,
    pub failed: u64,
    pub duration: String,
    pub failing: Vec<String>,
}

impl RunCells {
    fn of(t: &TestRun) -> RunCells {
        let mark = if t.timed_out {
            TIMED_OUT
        } else if t.success {
            PASSED
        } else {
            FAILED
        };
        RunCells {
            mark,
            failed: t.failed_count.unwrap_or(t.failed_tests.len() as u64),
            passed: t.passed_count.unwrap_or(t.passed_tests.len() as u64),
            duration: fmt::ms(t.duration_ms),
            failing: t.failed_tests.clone(),
        }
    }
}

impl TestsView {
    pub(crate) fn of(record: &RunRecord) -> Option<TestsView> {
        let g = &record.gate;
        if g.command.is_none() && g.baseline.is_none() && g.after.is_none() && g.verdict.is_none() {
            return None;
        }
        let mut rows = vec![];
        if g.baseline.is_some() || g.after.is_some() || g.setup.is_some() {
            let row = |label, t: &Option<TestRun>| TestRow {
                label,
                is_setup: label == SETUP,
                run: t.as_ref().map(RunCells::of),
            };
            if g.setup.is_some() {
                rows.push(row(SETUP, &g.setup));
            }
            rows.push(row(BEFORE, &g.baseline));
            rows.push(row(AFTER, &g.after));
        }
        let outputs = [
            ("Setup output", &g.setup),
            ("Baseline test output", &g.baseline),
            ("After-edit test output", &g.after),
        ]
        .into_iter()
        .filter_map(|(title, t)| Some((title, t.as_ref()?.output_tail.clone())))
        .filter(|(_, text)| !text.trim().is_empty())
        .collect();
        Some(TestsView {
            command: g.command.clone(),
            source: g.source.clone(),
            setup_command: g.setup_command.clone(),
            rows,
            verdict: g.verdict.clone(),
            verdict_mark: g.passed.map(|p| if p { PASSED } else { FAILED }),
            outputs,
        })
    }

    /// Every failing test name of every row, in row order.
    #[cfg(test)]
    pub(crate) fn failing_names(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .filter_map(|r| r.run.as_ref())
            .flat_map(|r| r.failing.iter().map(String::as_str))
    }
}

/// Test edits and flaky baseline tests: what the PR body and the summary say about them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProofView {
    pub flaky: Vec<String>,
    pub changes: Option<ChangesProof>,
}

#[derive(Debug, Clone)]
pub(crate) struct ChangesProof {
    pub files: Vec<String>,
    pub added: Vec<String>,
    /// One sentence per re-run test, with the test name in a `code` span.
    pub lines: Vec<String>,
    pub note: Option<String>,
}

/// At most this many flaky or added test names are listed.
pub(crate) const PROOF_NAMES_SHOWN: usize = 20;

/// The proof section's words, the same in Markdown and on the page.
pub(crate) const FLAKY: &str = "Flaky at baseline (outcome changed between two runs before any edit; left out of the verdict):";
pub(crate) const NO_TEST_FILE: &str = "The agent changed no test file.";
pub(crate) const TEST_FILES: &str = "Test files changed:";
pub(crate) const TESTS_ADDED: &str = "Tests added:";

impl ProofView {
    pub(crate) fn of(record: &RunRecord) -> ProofView {
        ProofView {
            flaky: record.gate.flaky.clone(),
            changes: record.gate.test_changes.as_ref().map(ChangesProof::of),
        }
    }
}

impl ChangesProof {
    fn of(c: &TestChanges) -> ChangesProof {
        ChangesProof {
            files: c.files.clone(),
            added: c.added.clone(),
            lines: c.proofs.iter().map(proof_line).collect(),
            note: c.note.clone(),
        }
    }
}

/// One line per proof, as the PR body and the summary show it.
pub(crate) fn proof_line(p: &TestProof) -> String {
    let o = |x: Option<TestOutcome>| match x {
        Some(TestOutcome::Passed) => "passes",
        Some(TestOutcome::Failed) => "fails",
        Some(TestOutcome::Error) => "errors",
        Some(TestOutcome::Skipped) => "is skipped",
        None => "does not run",
    };
    if p.proven {
        format!(
            "`{}`: regression test proven: fails before, passes after",
            p.test
        )
    } else if p.before == Some(TestOutcome::Passed) {
        format!(
            "`{}`: passes on the original code too, so it does not show the bug (after the fix it {})",
            p.test,
            o(p.after)
        )
    } else {
        format!(
            "`{}`: on the original code it {}; after the fix it {}",
            p.test,
            o(p.before),
            o(p.after)
        )
    }
}
