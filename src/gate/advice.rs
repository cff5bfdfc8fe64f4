//! Deterministic advice for each gate outcome: the test command cannot run, tests were
//! weakened, the edits broke tests, the fix is incomplete, the baseline is flaky. The
//! advisor (`crate::advisor`) uses it in place of its generic text when it applies.

use crate::config::CONFIG_PATH;
use crate::failure::FailureClass;
use crate::run_record::{Comparison, RunRecord, RunStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateAdvice {
    pub headline: String,
    pub explanation: String,
    pub next_step: String,
}

/// What to do about a test command that ran no test. At the separate-user level the
/// commands run as another uid, which cannot reach a toolchain installed in the runner's
/// home (rustup and pyenv under `/root`): that is the sandbox's doing, not the command's.
fn next_step_for_broken_command(record: &RunRecord, kind: &str) -> String {
    let separate_user = record
        .sandbox
        .as_ref()
        .is_some_and(|s| s.level == crate::sandbox::Level::SeparateUser);
    if separate_user && matches!(kind, "permission-denied" | "command-not-found") {
        return "The tests ran as a separate user (bubblewrap is not installed here), which cannot \
                reach a toolchain installed in your home directory. Install bubblewrap \
                (`apt-get install bubblewrap`) so the commands run isolated as you, or install \
                the toolchain where every user can read it, and re-run."
            .into();
    }
    format!(
        "Fix `test_command` (or add a `setup_command` that installs what the tests need) in \
         `{CONFIG_PATH}` or the action's `test-command`/`setup-command` inputs, check that it \
         runs tests on the base branch, and re-run."
    )
}

/// The gate's advice for this record, when its outcome is one the gate explains best.
pub fn for_record(record: &RunRecord) -> Option<GateAdvice> {
    let g = &record.gate;
    let cmd = g
        .command
        .clone()
        .unwrap_or_else(|| "the test command".into());
    let class = record.failure_class();
    if class == Some(FailureClass::Config)
        && let Some(h) = g.health.as_ref().filter(|h| !h.ran_tests)
    {
        let line = h
            .error_line
            .as_deref()
            .map(|l| format!(": `{}`", l.replace('`', "'")))
            .unwrap_or_default();
        return Some(GateAdvice {
            headline: "The test command could not run a single test".into(),
            explanation: format!(
                "Before any edit, `{cmd}` stopped because {}{line}. OctaGit judges a fix by the \
                 repository's own tests, so it ended the run before the first model turn: no \
                 model was called and nothing was spent.",
                super::health::describe(&h.kind)
            ),
            next_step: next_step_for_broken_command(record, &h.kind),
        });
    }
    if record.status == RunStatus::Success
        || g.passed != Some(false)
        || !matches!(
            class,
            Some(FailureClass::Gate | FailureClass::Hallucination | FailureClass::Limit)
        )
    {
        return None;
    }
    let flaky = if g.flaky.is_empty() {
        String::new()
    } else {
        format!(
            " Flaky at baseline and left out of the verdict: {}.",
            names(&g.flaky)
        )
    };
    let find = |kinds: &[&str]| -> Option<&Comparison> {
        g.comparisons
            .iter()
            .find(|c| kinds.contains(&c.kind.as_str()))
    };
    let all = g
        .comparisons
        .iter()
        .map(|c| c.detail.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(c) = find(&["missing", "newly-skipped", "fewer-ran", "test-rewritten"]) {
        let what = if c.tests.is_empty() {
            String::new()
        } else {
            format!(" ({})", names(&c.tests))
        };
        return Some(GateAdvice {
            headline:
                "Tests were weakened: the agent deleted or skipped tests instead of fixing the code"
                    .into(),
            explanation: format!(
                "The gate compares every test with the run before the edits: {all}.{flaky} A fix that \
                 removes the tests that show the bug{what} proves nothing, so no PR was opened."
            ),
            next_step: format!(
                "If those tests really are obsolete, set `allow_test_changes: true` in `{CONFIG_PATH}` and \
                 re-run; otherwise add to the issue which code should change, and re-run."
            ),
        });
    }
    if let Some(c) = find(&["regressed"]) {
        return Some(GateAdvice {
            headline: format!(
                "The edits broke tests that passed before: {}",
                names(&c.tests)
            ),
            explanation: format!(
                "After the edits `{cmd}` shows: {all}.{flaky} No PR was opened because the gate did not pass."
            ),
            next_step: format!(
                "Run `{cmd}` on the kept branch (or the patch in the run directory) to see {} fail, and add to the issue what it must keep doing.",
                c.tests
                    .first()
                    .map(|t| format!("`{t}`"))
                    .unwrap_or_else(|| "what".into())
            ),
        });
    }
    if let Some(c) = find(&["no-fix", "targets-failing"]) {
        if !g.flaky.is_empty() && c.tests.is_empty() {
            return Some(flaky_advice(&cmd, &g.flaky, &all));
        }
        return Some(GateAdvice {
            headline: "The fix is incomplete: the tests it had to fix still fail".into(),
            explanation: format!(
                "After the edits `{cmd}` shows: {all}.{flaky} No PR was opened because no failing \
                 test was made to pass."
            ),
            next_step: format!(
                "Add to the issue what {} expects and which code should change, and re-run.",
                c.tests
                    .first()
                    .map(|t| format!("`{t}`"))
                    .unwrap_or_else(|| "the failing test".into())
            ),
        });
    }
    if let Some(c) = find(&["added-failing"]) {
        return Some(GateAdvice {
            headline: format!("The agent's new tests fail: {}", names(&c.tests)),
            explanation: format!("After the edits `{cmd}` shows: {all}.{flaky} No PR was opened."),
            next_step: "Say in the issue what the new behaviour is exactly (inputs and expected output), and re-run.".into(),
        });
    }
    if find(&["no-added-test"]).is_some() {
        return Some(GateAdvice {
            headline: "No test shows the fix: every test passed before the edits".into(),
            explanation: format!(
                "`{cmd}` passed before any edit, so a passing run after it proves nothing; the gate \
                 asks for a new test that passes with the fix, and the edits added none.{flaky}"
            ),
            next_step: "Add a failing test for the bug to the repository (or describe one in the issue), and re-run.".into(),
        });
    }
    if !g.flaky.is_empty() {
        return Some(flaky_advice(&cmd, &g.flaky, &all));
    }
    None
}

fn flaky_advice(cmd: &str, flaky: &[String], all: &str) -> GateAdvice {
    GateAdvice {
        headline: format!("The baseline is flaky: {}", names(flaky)),
        explanation: format!(
            "`{cmd}` was run twice before any edit and these tests changed outcome between the \
             two runs, so they cannot show whether a fix works; the gate left them out{}.",
            if all.is_empty() {
                String::new()
            } else {
                format!(", and then: {all}")
            }
        ),
        next_step: format!(
            "Make {} deterministic (or leave it out of `test_command`), and re-run.",
            flaky
                .first()
                .map(|t| format!("`{t}`"))
                .unwrap_or_else(|| "the flaky tests".into())
        ),
    }
}

fn names(tests: &[String]) -> String {
    let shown: Vec<String> = tests.iter().take(4).map(|t| format!("`{t}`")).collect();
    let mut s = shown.join(", ");
    if tests.len() > 4 {
        s.push_str(&format!(" and {} more", tests.len() - 4));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{BaselineHealth, TaskInfo};

    fn record(class: FailureClass, comparisons: &[(&str, &[&str])]) -> RunRecord {
        let mut r = RunRecord::new("r", TaskInfo::default(), false);
        r.gate.command = Some("python3 -m unittest".into());
        r.gate.passed = Some(false);
        r.gate.comparisons = comparisons
            .iter()
            .map(|(k, t)| Comparison {
                kind: k.to_string(),
                tests: t.iter().map(|s| s.to_string()).collect(),
                detail: format!("{k}: {}", t.join(", ")),
            })
            .collect();
        r.fail(class, "x", "y");
        r
    }

    #[test]
    fn one_text_per_outcome() {
        let weakened =
            for_record(&record(FailureClass::Gate, &[("missing", &["t.a", "t.b"])])).unwrap();
        assert!(weakened.headline.starts_with("Tests were weakened"));
        assert!(weakened.explanation.contains("missing: t.a, t.b"));
        assert!(weakened.next_step.contains("allow_test_changes: true"));

        let broke = for_record(&record(
            FailureClass::Hallucination,
            &[("regressed", &["t.c"])],
        ))
        .unwrap();
        assert_eq!(
            broke.headline,
            "The edits broke tests that passed before: `t.c`"
        );

        let incomplete = for_record(&record(FailureClass::Limit, &[("no-fix", &["t.d"])])).unwrap();
        assert!(incomplete.headline.starts_with("The fix is incomplete"));
        assert!(incomplete.next_step.contains("`t.d`"));

        let mut flaky = record(FailureClass::Gate, &[("no-fix", &[])]);
        flaky.gate.flaky = vec!["t.wobbly".into()];
        let flaky = for_record(&flaky).unwrap();
        assert_eq!(flaky.headline, "The baseline is flaky: `t.wobbly`");

        // Provider failures keep their own advice.
        assert!(for_record(&record(FailureClass::Rate, &[("no-fix", &["t"])])).is_none());

        let mut broken = RunRecord::new("r", TaskInfo::default(), false);
        broken.gate.command = Some("python3 -m unittest tests.test_missing_module".into());
        broken.gate.health = Some(BaselineHealth {
            ran_tests: false,
            kind: "loader-error".into(),
            error_line: Some(
                "ModuleNotFoundError: No module named 'tests.test_missing_module'".into(),
            ),
        });
        broken.fail(FailureClass::Config, "x", "y");
        let a = for_record(&broken).unwrap();
        assert_eq!(a.headline, "The test command could not run a single test");
        assert!(
            a.explanation
                .contains("`ModuleNotFoundError: No module named 'tests.test_missing_module'`"),
            "{}",
            a.explanation
        );
        assert!(a.explanation.contains("no model was called"));
        assert!(
            a.next_step.contains("`test_command`") && a.next_step.contains(".github/octagit.yml")
        );
    }

    #[test]
    fn a_toolchain_the_separate_user_cannot_reach_names_bubblewrap() {
        let mut r = RunRecord::new("r", TaskInfo::default(), false);
        r.gate.command = Some("cargo test".into());
        r.gate.health = Some(BaselineHealth {
            ran_tests: false,
            kind: "permission-denied".into(),
            error_line: Some("sh: 1: cargo: Permission denied".into()),
        });
        r.fail(FailureClass::Config, "x", "y");
        // Without the separate-user level the command itself is what to fix.
        assert!(for_record(&r).unwrap().next_step.contains("`test_command`"));
        r.sandbox = Some(crate::sandbox::SandboxRecord {
            level: crate::sandbox::Level::SeparateUser,
            ..Default::default()
        });
        let a = for_record(&r).unwrap();
        assert!(
            a.explanation.contains("not allowed to run the command"),
            "{}",
            a.explanation
        );
        assert!(
            a.next_step.contains("apt-get install bubblewrap"),
            "{}",
            a.next_step
        );
    }
}
