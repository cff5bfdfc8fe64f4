//! The strongest evidence a reviewer can get: the agent's added and changed tests re-run
//! against the original source. A temporary git worktree at `HEAD` gets the agent's test
//! files and none of its other edits; a test that fails there and passes after the fix is
//! a proven regression test ("fails before, passes after").

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use crate::run_record::{RunRecord, TestChanges, TestOutcome, TestProof, TestRun};

/// Directories outside git that tests commonly need (dependencies), linked into the
/// temporary worktree when the repository has them.
const LINKED: &[&str] = &["node_modules", ".venv", "venv"];

/// Whether a root-relative path is a test file, by the conventions of the common runners.
pub fn is_test_path(path: &str) -> bool {
    let p = path.replace('\\', "/");
    let mut parts: Vec<&str> = p.split('/').collect();
    let file = parts.pop().unwrap_or("");
    if parts
        .iter()
        .any(|d| matches!(*d, "tests" | "test" | "__tests__" | "spec" | "testing"))
    {
        return true;
    }
    let stem = file.split('.').next().unwrap_or("");
    file == "conftest.py"
        || (file.ends_with(".py") && (stem.starts_with("test_") || stem.ends_with("_test")))
        || file.ends_with("_test.go")
        || [".test.", ".spec.", "_spec.", "_test."]
            .iter()
            .any(|m| file.contains(m))
        || (file.ends_with(".java") && stem.ends_with("Test"))
}

/// Fill `record.gate.test_changes`: the test files the agent changed, the tests it added,
/// and the proof run. Needs the after-run; does nothing without one.
pub async fn examine(repo: &Path, command: &str, timeout: Duration, record: &mut RunRecord) {
    let Some(after) = record.gate.after.clone() else {
        return;
    };
    let baseline = record.gate.baseline.clone().unwrap_or_default();
    let files: Vec<String> = record
        .files_edited
        .iter()
        .filter(|f| is_test_path(f))
        .cloned()
        .collect();
    let before_names: BTreeSet<&str> = baseline.tests.iter().map(|t| t.name.as_str()).collect();
    let added: Vec<String> = after
        .tests
        .iter()
        .filter(|t| t.outcome != TestOutcome::Skipped && !before_names.contains(t.name.as_str()))
        .map(|t| t.name.clone())
        .collect();
    if files.is_empty() && added.is_empty() {
        return;
    }
    let mut changes = TestChanges {
        files: files.clone(),
        added: added.clone(),
        ..Default::default()
    };
    if files.is_empty() {
        changes.note = Some(
            "the new tests live in files that also hold the fix, so they cannot be run against the original code on their own".into(),
        );
        record.gate.test_changes = Some(changes);
        return;
    }
    match run_against_original(repo, command, timeout, &files).await {
        Ok(proof_run) => {
            changes.proofs = proofs(&baseline, &after, &proof_run, &added, &record.gate.flaky);
            if changes.proofs.is_empty() {
                changes.note = Some("no added or changed test ran after the edits".into());
            }
        }
        Err(e) => changes.note = Some(format!("the proof run could not be made: {e}")),
    }
    record.gate.test_changes = Some(changes);
}

/// One proof per added test, and per existing test whose outcome on the original code
/// changed with the agent's test files (so the agent changed it).
fn proofs(
    baseline: &TestRun,
    after: &TestRun,
    proof_run: &TestRun,
    added: &[String],
    flaky: &[String],
) -> Vec<TestProof> {
    let outcome_in = |r: &TestRun, name: &str| -> Option<TestOutcome> {
        if !r.tests.is_empty() {
            return r.tests.iter().find(|t| t.name == name).map(|t| t.outcome);
        }
        r.failed_tests
            .iter()
            .any(|f| f == name)
            .then_some(TestOutcome::Failed)
    };
    let mut names: Vec<String> = added.to_vec();
    for t in &proof_run.tests {
        let base = outcome_in(baseline, &t.name);
        if base.is_some()
            && base != Some(t.outcome)
            && !flaky.contains(&t.name)
            && !names.contains(&t.name)
        {
            names.push(t.name.clone());
        }
    }
    names
        .into_iter()
        .map(|name| {
            let before = outcome_in(proof_run, &name);
            let after_o = outcome_in(after, &name);
            TestProof {
                proven: before.is_some_and(|o| o.is_failure())
                    && after_o == Some(TestOutcome::Passed),
                test: name,
                before,
                after: after_o,
            }
        })
        .collect()
}

/// Baseline failures the agent made pass by editing the test: with its test files they
/// pass on the original code. Unless `allow_test_changes`, that is no fix, and the gate
/// fails: returns true after recording why.
pub fn refute(record: &mut RunRecord) -> bool {
    if record.gate.allow_test_changes || record.gate.passed != Some(true) {
        return false;
    }
    let (Some(c), Some(base)) = (&record.gate.test_changes, &record.gate.baseline) else {
        return false;
    };
    let rewritten: Vec<String> = c
        .proofs
        .iter()
        .filter(|p| !c.added.contains(&p.test) && p.before == Some(TestOutcome::Passed))
        .filter(|p| {
            base.tests
                .iter()
                .any(|t| t.name == p.test && t.outcome.is_failure())
        })
        .map(|p| p.test.clone())
        .collect();
    if rewritten.is_empty() {
        return false;
    }
    let detail = format!(
        "tests that failed before the edits were changed so they pass on the original code, without the fix: {}",
        super::verdict::list(&rewritten)
    );
    record.gate.passed = Some(false);
    record.gate.verdict = Some(format!("{detail}."));
    record.gate.comparisons = vec![crate::run_record::Comparison {
        kind: "test-rewritten".into(),
        tests: rewritten,
        detail: detail.clone(),
    }];
    record.fail(
        crate::failure::FailureClass::Gate,
        format!("the gate refused the fix: {detail}"),
        "proof run against the original code",
    );
    true
}

/// Run `command` in a temporary worktree at `HEAD` holding the agent's versions of `files`.
async fn run_against_original(
    repo: &Path,
    command: &str,
    timeout: Duration,
    files: &[String],
) -> Result<TestRun, String> {
    // Inside the workspace, not under /tmp: these are the agent's tests, and the run's
    // sandbox applies to commands in the workspace only (bubblewrap binds it read-write,
    // the separate user is given it). It is gone before the commit is made.
    let tmp = tempfile::Builder::new()
        .prefix(".octagit-proof-")
        .tempdir_in(repo)
        .map_err(|e| format!("no temporary directory in the workspace: {e}"))?;
    let wt = tmp.path().join("original");
    let wt_arg = wt.display().to_string();
    git(
        repo,
        &["worktree", "add", "--quiet", "--detach", &wt_arg, "HEAD"],
    )
    .await?;
    let result = async {
        for f in files {
            let from = repo.join(f);
            let to = wt.join(f);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{f}: {e}"))?;
            }
            std::fs::copy(&from, &to).map_err(|e| format!("{f}: {e}"))?;
        }
        for dir in LINKED {
            let (from, to) = (repo.join(dir), wt.join(dir));
            if from.is_dir() && !to.exists() {
                let _ = std::os::unix::fs::symlink(&from, &to);
            }
        }
        Ok::<TestRun, String>(super::run::run_tests(&wt, command, timeout).await)
    }
    .await;
    // The worktree is ours: remove it and its metadata whatever happened.
    let _ = git(repo, &["worktree", "remove", "--force", &wt_arg]).await;
    let _ = git(repo, &["worktree", "prune"]).await;
    result
}

async fn git(repo: &Path, args: &[&str]) -> Result<(), String> {
    let out = tokio::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .await
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The PR body's section on test edits (and flaky baseline tests), empty when there is
/// nothing to say. The words are the reports' (`report::proof_pr_section`).
pub fn pr_section(record: &RunRecord) -> String {
    crate::report::proof_pr_section(record)
}

/// The same for the job summary, under its own heading line.
pub fn summary_section(record: &RunRecord) -> String {
    crate::report::proof_summary_section(record)
}

/// One line per proof, as the PR body and the summary show it.
pub fn proof_line(p: &TestProof) -> String {
    crate::report::proof_line(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_paths_by_convention() {
        for p in [
            "tests/test_calc.py",
            "test_calc.py",
            "calc_test.py",
            "conftest.py",
            "pkg/calc_test.go",
            "src/sum.test.js",
            "src/sum.spec.ts",
            "tests/api.rs",
            "src/__tests__/x.js",
            "spec/models/user_spec.rb",
            "src/test/java/CalcTest.java",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/lib.rs",
            "calc/stats.py",
            "contest.py",
            "latest.py",
            "README.md",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn proof_lines_say_what_happened() {
        let p = |before, after, proven| TestProof {
            test: "t".into(),
            before,
            after,
            proven,
        };
        assert_eq!(
            proof_line(&p(
                Some(TestOutcome::Failed),
                Some(TestOutcome::Passed),
                true
            )),
            "`t`: regression test proven: fails before, passes after"
        );
        assert!(
            proof_line(&p(
                Some(TestOutcome::Passed),
                Some(TestOutcome::Passed),
                false
            ))
            .contains("passes on the original code too")
        );
    }
}
