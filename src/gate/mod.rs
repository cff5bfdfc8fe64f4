//! The gate: the repository's own test command, run before any edit (the baseline) and
//! after the agent's edits. A PR is opened only when [`verdict::judge`] says the after-run
//! passes.
//!
//! - `detect`: which command (configured, or detected from the root files; never from the
//!   issue text).
//! - `run` and `parse/`: one run, with machine-readable results where the runner offers
//!   them unasked (junit for pytest, a unittest hook), text parsing as the fallback.
//! - `health`: did the baseline run tests at all? If not, the run stops before any model
//!   turn.
//! - `flaky`: a failing baseline runs twice; tests that change outcome are left out.
//! - `verdict`: baseline against after, per test.
//! - `proof`: the agent's tests re-run against the original source.
//! - `advice`: one deterministic text per gate outcome.

pub mod advice;
pub mod detect;
pub mod flaky;
pub mod health;
pub mod parse;
pub mod proof;
pub mod run;
pub mod verdict;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::failure::FailureClass;
use crate::run_record::{GateRecord, RunRecord, TestRun};

pub use detect::{GateCommand, choose, detect};
pub use parse::{Parsed, parse_output};
pub use run::{PARSE_LIMIT, TAIL_CHARS, run_tests, tail};
pub use verdict::{Policy, Verdict, judge, verdict, verdict_with_targets};

/// The name the record gives a whole suite whose exit status changed between two baseline
/// runs when its output names no test.
pub const WHOLE_SUITE: &str = "(the whole test command)";

/// Run the tests after the edits and judge them against `baseline` under the record's
/// policy; the verdict's outcome, sentence and comparisons go into `gate` (the run itself
/// is returned, for the caller to keep where it belongs).
pub async fn run_after(
    gate: &mut GateRecord,
    repo: &Path,
    command: &str,
    timeout: Duration,
    baseline: Option<&TestRun>,
) -> (TestRun, Verdict) {
    let after = run_tests(repo, command, timeout).await;
    let v = judge(baseline, &after, &Policy::from_record(gate));
    gate.passed = Some(v.passed);
    gate.verdict = Some(v.why.clone());
    gate.comparisons = v.comparisons.clone();
    (after, v)
}

/// Run the baseline and fill `gate`: the run, its health, and for a failing baseline that
/// ran tests, a second run and the flaky tests it reveals.
pub async fn run_baseline(
    repo: &Path,
    command: &str,
    timeout: Duration,
    gate: &mut GateRecord,
) -> TestRun {
    let first = run_tests(repo, command, timeout).await;
    let health = health::classify(&first, command);
    if health.ran_tests && !first.success {
        let second = run_tests(repo, command, timeout).await;
        gate.flaky = flaky::differing(&first, &second);
        if gate.flaky.is_empty() && second.success {
            gate.flaky.push(WHOLE_SUITE.to_string());
        }
        gate.baseline_rerun = Some(second);
    }
    gate.health = Some(health);
    gate.baseline = Some(first.clone());
    first
}

/// When the baseline could not run a single test: the message and raw text of the
/// `config` failure that ends the run before any model turn.
pub fn cannot_run(gate: &GateRecord) -> Option<(String, String)> {
    let h = gate.health.as_ref().filter(|h| !h.ran_tests)?;
    let cmd = gate.command.as_deref().unwrap_or("the test command");
    let line = h.error_line.clone().unwrap_or_default();
    let message = format!(
        "the test command `{cmd}` could not run a single test before any edit ({}){}; fix `test_command` or `setup_command` in {} or the action inputs",
        health::describe(&h.kind),
        if line.is_empty() {
            String::new()
        } else {
            format!(": {line}")
        },
        crate::config::CONFIG_PATH
    );
    let raw = gate
        .baseline
        .as_ref()
        .map(|b| tail(&b.output_tail, 2_000))
        .unwrap_or_default();
    Some((message, raw))
}

/// A run whose agent stopped while the gate refused its fix failed at the gate, whatever
/// ended the loop (the model giving up, a turn limit): say so in the record.
pub fn reclassify(record: &mut RunRecord) {
    if record.gate.passed != Some(false) || record.gate.comparisons.is_empty() {
        return;
    }
    let why = record.gate.verdict.clone().unwrap_or_default();
    if let Some(f) = record.failure.as_mut()
        && matches!(f.class, FailureClass::Hallucination | FailureClass::Limit)
    {
        f.raw = crate::secret::redact(&format!("{}; {}", f.message, f.raw));
        f.class = FailureClass::Gate;
        f.message = crate::secret::redact(&format!("the gate refused the fix: {why}"));
    }
}

/// The failed comparisons as the model reads them: one line each, naming the tests.
pub fn feedback(v: &Verdict) -> String {
    let mut s = String::new();
    for c in &v.comparisons {
        s.push_str(&format!("- {}: {}\n", c.kind, c.detail));
    }
    s
}

/// The gate as the agent's `run_tests` tool uses it: the command, its timeout, and the
/// baseline to compare against.
#[derive(Debug, Clone)]
pub struct Gate {
    pub repo: PathBuf,
    pub command: GateCommand,
    pub timeout: Duration,
    pub baseline: Option<TestRun>,
    /// Flaky tests and `allow_test_changes`, for the verdict the digest predicts.
    pub policy: Policy,
}

impl Gate {
    pub fn new(repo: &Path, command: GateCommand, timeout: Duration) -> Gate {
        Gate {
            repo: repo.to_path_buf(),
            command,
            timeout,
            baseline: None,
            policy: Policy::default(),
        }
    }

    pub async fn run(&self) -> TestRun {
        run_tests(&self.repo, &self.command.command, self.timeout).await
    }

    /// What the model sees after `run_tests`: outcome, failing names, the comparison with
    /// the baseline, the verdict it would get now, and the end of the output.
    pub fn digest(&self, run: &TestRun, tail_chars: usize) -> String {
        let mut out = String::new();
        let state = if run.timed_out {
            "TIMED OUT".to_string()
        } else if run.success {
            "PASSED".to_string()
        } else {
            format!(
                "FAILED (exit {})",
                run.exit_code.map_or("none".to_string(), |c| c.to_string())
            )
        };
        out.push_str(&format!(
            "`{}` {state} in {:.1}s",
            self.command.command,
            run.duration_ms as f64 / 1000.0
        ));
        match (run.failed_count, run.passed_count) {
            (Some(f), Some(p)) => out.push_str(&format!(": {f} failed, {p} passed.\n")),
            _ => out.push_str(".\n"),
        }
        if !run.failed_tests.is_empty() {
            out.push_str(&format!("Failing: {}\n", list_long(&run.failed_tests)));
        }
        if let Some(base) = &self.baseline {
            let before: BTreeSet<&String> = base.failed_tests.iter().collect();
            let now: BTreeSet<&String> = run.failed_tests.iter().collect();
            let new: Vec<String> = run
                .failed_tests
                .iter()
                .filter(|t| !before.contains(t))
                .cloned()
                .collect();
            let fixed: Vec<String> = base
                .failed_tests
                .iter()
                .filter(|t| !now.contains(t))
                .cloned()
                .collect();
            out.push_str(&format!(
                "Before your edits the command {}{}. Newly failing: {}. Now passing: {}.\n",
                if base.success { "passed" } else { "failed" },
                base.failed_count
                    .map(|n| format!(" with {n} failing"))
                    .unwrap_or_default(),
                if new.is_empty() {
                    "none".into()
                } else {
                    list_long(&new)
                },
                if fixed.is_empty() {
                    "none".into()
                } else {
                    list_long(&fixed)
                },
            ));
        }
        let v = judge(self.baseline.as_ref(), run, &self.policy);
        out.push_str(&format!(
            "If you finish now the gate {}: {}\n",
            if v.passed { "passes" } else { "fails" },
            v.why
        ));
        out.push_str(&feedback(&v));
        let t = tail(&run.output_tail, tail_chars);
        if !t.trim().is_empty() {
            out.push_str("--- end of the output ---\n");
            out.push_str(&t);
        }
        out
    }
}

fn list_long(names: &[String]) -> String {
    verdict::list_at_most(names, 20)
}

#[cfg(test)]
mod tests {
    use crate::run_record::{GateRecord, TestRun};

    #[test]
    fn a_run_json_from_before_per_test_verdicts_still_loads() {
        // The gate part of a run.json written before this module had per-test data.
        let old = r#"{"command":"pytest","source":"config","setup_command":null,"setup":null,
            "baseline":{"exit_code":1,"success":false,"timed_out":false,"duration_ms":5,
            "failed_tests":["t"],"passed_tests":[],"passed_count":1,"failed_count":1,
            "output_tail":"1 failed"},"after":null,"passed":null,"verdict":null}"#;
        let g: GateRecord = serde_json::from_str(old).unwrap();
        let b = g.baseline.unwrap();
        assert!(b.tests.is_empty() && b.parser.is_none() && g.flaky.is_empty());
        assert!(g.health.is_none() && g.test_changes.is_none() && !g.allow_test_changes);
        // And a record without the new data writes no new keys.
        let json = serde_json::to_string(&TestRun::default()).unwrap();
        assert!(
            !json.contains("\"tests\"") && !json.contains("parser"),
            "{json}"
        );
    }

    #[test]
    fn the_pr_section_lists_files_added_tests_and_proofs() {
        use crate::run_record::{RunRecord, TaskInfo, TestChanges, TestOutcome, TestProof};
        let mut r = RunRecord::new("r", TaskInfo::default(), false);
        assert_eq!(super::proof::pr_section(&r), "");
        r.gate.test_changes = Some(TestChanges {
            files: vec!["tests/test_calc.py".into()],
            added: vec!["tests/test_calc.py::test_large".into()],
            proofs: vec![TestProof {
                test: "tests/test_calc.py::test_large".into(),
                before: Some(TestOutcome::Failed),
                after: Some(TestOutcome::Passed),
                proven: true,
            }],
            note: None,
        });
        let s = super::proof::pr_section(&r);
        assert!(s.starts_with("### Test changes\n"), "{s}");
        assert!(
            s.contains("Test files changed: `tests/test_calc.py`"),
            "{s}"
        );
        assert!(
            s.contains("Tests added: `tests/test_calc.py::test_large`"),
            "{s}"
        );
        assert!(
            s.contains("- `tests/test_calc.py::test_large`: regression test proven: fails before, passes after"),
            "{s}"
        );
    }
}
