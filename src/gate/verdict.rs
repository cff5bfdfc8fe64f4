//! The verdict: does the after-run pass the gate, compared with the baseline?
//!
//! With both runs listing every test (see [`crate::gate::parse::Parsed::cases`]) the
//! comparison is per test, and the gate passes only when
//! - every test that passed at baseline still passes (none failing, missing or skipped),
//! - at least one test that failed at baseline passes now, or, when the baseline passed,
//!   the agent added a passing test,
//! - the number of tests that ran did not drop, and no test the agent added fails.
//!
//! Deleting or skipping tests is allowed only with `allow_test_changes`. Flaky tests (their
//! outcome differed between two baseline runs) are left out. Without per-test listings
//! the comparison falls back to the failing names, the counts and the exit codes.

use std::collections::{BTreeMap, BTreeSet};

use crate::run_record::{Comparison, GateRecord, TestOutcome, TestRun};

/// What the verdict takes into account beyond the two runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Config `allow_test_changes`.
    pub allow_test_changes: bool,
    /// Left out of every comparison.
    pub flaky: Vec<String>,
    /// Tests the fix must make pass (empty: any baseline failure that passes now counts).
    pub targets: Vec<String>,
}

impl Policy {
    pub fn from_record(g: &GateRecord) -> Policy {
        Policy {
            allow_test_changes: g.allow_test_changes,
            flaky: g.flaky.clone(),
            targets: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// One sentence.
    pub why: String,
    /// The comparisons that failed, each naming its tests (empty when it passed).
    pub comparisons: Vec<Comparison>,
}

/// Whether the after-run passes the gate, and why, in one sentence.
pub fn verdict(baseline: Option<&TestRun>, after: &TestRun) -> (bool, String) {
    let v = judge(baseline, after, &Policy::default());
    (v.passed, v.why)
}

/// [`verdict`] with tests the fix must make pass.
pub fn verdict_with_targets(
    baseline: Option<&TestRun>,
    after: &TestRun,
    targets: &[String],
) -> (bool, String) {
    let v = judge(
        baseline,
        after,
        &Policy {
            targets: targets.to_vec(),
            ..Policy::default()
        },
    );
    (v.passed, v.why)
}

pub fn judge(baseline: Option<&TestRun>, after: &TestRun, policy: &Policy) -> Verdict {
    if after.timed_out {
        return fail(
            "timed-out",
            vec![],
            "the tests ran past the timeout and were stopped, so the fix is unproven.".into(),
        );
    }
    match baseline {
        Some(b) if !b.tests.is_empty() && !after.tests.is_empty() => per_test(b, after, policy),
        _ => by_names_and_counts(baseline, after, policy),
    }
}

fn fail(kind: &str, tests: Vec<String>, detail: String) -> Verdict {
    Verdict {
        passed: false,
        why: detail.clone(),
        comparisons: vec![Comparison {
            kind: kind.into(),
            tests,
            detail,
        }],
    }
}

fn pass(why: String) -> Verdict {
    Verdict {
        passed: true,
        why,
        comparisons: vec![],
    }
}

fn per_test(base: &TestRun, after: &TestRun, policy: &Policy) -> Verdict {
    let flaky: BTreeSet<&str> = policy.flaky.iter().map(String::as_str).collect();
    let map = |r: &TestRun| -> BTreeMap<String, TestOutcome> {
        r.tests
            .iter()
            .filter(|t| !flaky.contains(t.name.as_str()))
            .map(|t| (t.name.clone(), t.outcome))
            .collect()
    };
    let (b, a) = (map(base), map(after));
    let names = |f: &dyn Fn(&str, TestOutcome) -> bool, m: &BTreeMap<String, TestOutcome>| {
        m.iter()
            .filter(|(n, o)| f(n, **o))
            .map(|(n, _)| n.clone())
            .collect::<Vec<_>>()
    };
    let regressed = names(
        &|n, o| o == TestOutcome::Passed && a.get(n).is_some_and(|x| x.is_failure()),
        &b,
    );
    let missing = names(&|n, o| o != TestOutcome::Skipped && !a.contains_key(n), &b);
    let newly_skipped = names(
        &|n, o| o != TestOutcome::Skipped && a.get(n) == Some(&TestOutcome::Skipped),
        &b,
    );
    let fixed = names(
        &|n, o| o.is_failure() && a.get(n) == Some(&TestOutcome::Passed),
        &b,
    );
    let added = names(&|n, _| !b.contains_key(n), &a);
    let added_failing: Vec<String> = added
        .iter()
        .filter(|n| a.get(*n).is_some_and(|o| o.is_failure()))
        .cloned()
        .collect();
    let added_passing: Vec<String> = added
        .iter()
        .filter(|n| a.get(*n) == Some(&TestOutcome::Passed))
        .cloned()
        .collect();
    let still: Vec<String> = names(
        &|n, o| o.is_failure() && a.get(n).is_some_and(|x| x.is_failure()),
        &b,
    );
    let ran = |m: &BTreeMap<String, TestOutcome>| {
        m.values().filter(|o| **o != TestOutcome::Skipped).count()
    };
    let (ran_before, ran_after) = (ran(&b), ran(&a));
    let base_failing = b.values().any(|o| o.is_failure());

    let mut c: Vec<Comparison> = Vec::new();
    let push = |c: &mut Vec<Comparison>, kind: &str, tests: &[String], detail: String| {
        c.push(Comparison {
            kind: kind.into(),
            tests: tests.to_vec(),
            detail,
        })
    };
    if !regressed.is_empty() {
        push(
            &mut c,
            "regressed",
            &regressed,
            format!(
                "tests that passed before the edits fail now: {}",
                list(&regressed)
            ),
        );
    }
    if !missing.is_empty() && !policy.allow_test_changes {
        push(
            &mut c,
            "missing",
            &missing,
            format!(
                "tests that ran before the edits no longer run (deleted or renamed): {}",
                list(&missing)
            ),
        );
    }
    if !newly_skipped.is_empty() && !policy.allow_test_changes {
        push(
            &mut c,
            "newly-skipped",
            &newly_skipped,
            format!(
                "tests are skipped now that ran before: {}",
                list(&newly_skipped)
            ),
        );
    }
    if ran_after < ran_before && !policy.allow_test_changes {
        push(
            &mut c,
            "fewer-ran",
            &[],
            format!(
                "fewer tests ran after the edits ({ran_after}) than before them ({ran_before})"
            ),
        );
    }
    if !added_failing.is_empty() {
        push(
            &mut c,
            "added-failing",
            &added_failing,
            format!(
                "tests that are new since the baseline fail: {}",
                list(&added_failing)
            ),
        );
    }
    let targets: Vec<String> = policy
        .targets
        .iter()
        .filter(|t| a.get(*t).is_none_or(|o| *o != TestOutcome::Passed))
        .cloned()
        .collect();
    if !targets.is_empty() {
        push(
            &mut c,
            "targets-failing",
            &targets,
            format!("the target tests still fail: {}", list(&targets)),
        );
    }
    if base_failing && fixed.is_empty() {
        push(
            &mut c,
            "no-fix",
            &still,
            if still.is_empty() {
                "no test that failed before the edits passes now".to_string()
            } else {
                format!(
                    "no test that failed before the edits passes now; still failing: {}",
                    list(&still)
                )
            },
        );
    }
    if !base_failing && added_passing.is_empty() {
        push(
            &mut c,
            "no-added-test",
            &[],
            "every test passed before the edits, and the edits add no passing test that shows the fix".to_string(),
        );
    }
    let nothing_yet = c.is_empty();
    if nothing_yet && !after.success && !after.tests.iter().any(|t| t.outcome.is_failure()) {
        push(
            &mut c,
            "exit-nonzero",
            &[],
            format!(
                "the test command still exits {} although every test it listed passed",
                after
                    .exit_code
                    .map_or("without a code".to_string(), |x| x.to_string())
            ),
        );
    }
    if !c.is_empty() {
        let why = format!(
            "{}.",
            c.iter()
                .map(|x| x.detail.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        return Verdict {
            passed: false,
            why,
            comparisons: c,
        };
    }
    let mut why = if base_failing {
        format!(
            "tests that failed before the edits pass now ({})",
            list(&fixed)
        )
    } else {
        format!(
            "every test passed before the edits and still passes, and the edits add passing tests ({})",
            list(&added_passing)
        )
    };
    if base_failing && !added_passing.is_empty() {
        why.push_str(&format!(
            ", with new passing tests ({})",
            list(&added_passing)
        ));
    }
    if !still.is_empty() {
        why.push_str(&format!(
            "; the {} still failing ({}) failed before the edits too",
            still.len(),
            list(&still)
        ));
    }
    why.push_str(&format!(
        "; {ran_after} ran, none that passed before fails, none is missing or newly skipped"
    ));
    if !flaky.is_empty() {
        why.push_str(&format!("; flaky and left out: {}", list(&policy.flaky)));
    }
    why.push('.');
    pass(why)
}

/// The fallback when a run lists no passing tests: failing names, counts and exit codes.
fn by_names_and_counts(baseline: Option<&TestRun>, after: &TestRun, policy: &Policy) -> Verdict {
    let flaky: BTreeSet<&String> = policy.flaky.iter().collect();
    let failing_of = |r: &TestRun| -> Vec<String> {
        r.failed_tests
            .iter()
            .filter(|t| !flaky.contains(t))
            .cloned()
            .collect()
    };
    let after_failed = failing_of(after);
    // Compared only when the runner printed how many passed: a failure count alone says
    // nothing about how many ran.
    let ran = |r: &TestRun| r.passed_count.map(|p| p + r.failed_count.unwrap_or(0));
    if let Some(b) = baseline
        && !policy.allow_test_changes
    {
        if let (Some(rb), Some(ra)) = (ran(b), ran(after))
            && ra < rb
        {
            return fail(
                "fewer-ran",
                vec![],
                format!("fewer tests ran after the edits ({ra}) than before them ({rb})."),
            );
        }
        if let Some(sa) = after.skipped_count
            && sa > b.skipped_count.unwrap_or(0)
        {
            return fail(
                "newly-skipped",
                vec![],
                format!(
                    "more tests are skipped after the edits ({sa}) than before them ({}).",
                    b.skipped_count.unwrap_or(0)
                ),
            );
        }
    }
    if after.success {
        let counted = after
            .passed_count
            .map(|n| format!(" ({n} passed)"))
            .unwrap_or_default();
        let before = match baseline {
            Some(b) if !b.success => ", and it failed before the edits",
            _ => "",
        };
        return pass(format!(
            "the test command succeeded after the edits{counted}{before}."
        ));
    }
    let failing = list(&after_failed);
    let Some(base) = baseline else {
        return fail(
            "no-baseline",
            after_failed.clone(),
            format!(
                "the test command fails after the edits{} and there is no baseline to compare with.",
                named(&failing)
            ),
        );
    };
    if base.success {
        return if after_failed.is_empty() {
            fail(
                "regressed",
                vec![],
                "the test command passed before the edits and fails after them.".into(),
            )
        } else {
            fail(
                "regressed",
                after_failed.clone(),
                format!("the edits broke tests that passed before: {failing}."),
            )
        };
    }
    let base_failed = failing_of(base);
    // Both runs failed: the edits must fix something and break nothing.
    if after_failed.is_empty() {
        return fail(
            "no-fix",
            vec![],
            "the test command still fails and its output names no failing test, so nothing shows the fix worked.".into(),
        );
    }
    if base_failed.is_empty() {
        return fail(
            "no-fix",
            after_failed.clone(),
            format!(
                "the tests failed before the edits without naming a test, and now fail in {failing}."
            ),
        );
    }
    let before: BTreeSet<&String> = base_failed.iter().collect();
    let now: BTreeSet<&String> = after_failed.iter().collect();
    let new: Vec<String> = after_failed
        .iter()
        .filter(|t| !before.contains(t))
        .cloned()
        .collect();
    if !new.is_empty() {
        return fail(
            "regressed",
            new.clone(),
            format!(
                "tests that did not fail before the edits fail now: {}.",
                list(&new)
            ),
        );
    }
    if let (Some(b), Some(a)) = (base.passed_count, after.passed_count)
        && a < b
    {
        return fail(
            "fewer-ran",
            vec![],
            format!("fewer tests pass after the edits ({a}) than before them ({b})."),
        );
    }
    let still: Vec<String> = policy
        .targets
        .iter()
        .filter(|t| now.contains(t))
        .cloned()
        .collect();
    if !still.is_empty() {
        return fail(
            "targets-failing",
            still.clone(),
            format!("the target tests still fail: {}.", list(&still)),
        );
    }
    let fixed: Vec<String> = base_failed
        .iter()
        .filter(|t| !now.contains(t))
        .cloned()
        .collect();
    if fixed.is_empty() {
        return fail(
            "no-fix",
            after_failed.clone(),
            format!("the same tests fail as before the edits: {failing}."),
        );
    }
    pass(format!(
        "tests that failed before the edits pass now ({}); the {} still failing ({}) failed before the edits too.",
        list(&fixed),
        after_failed.len(),
        failing
    ))
}

fn named(list: &str) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" ({list})")
    }
}

/// A short list of names for a sentence.
pub(crate) fn list(names: &[String]) -> String {
    list_at_most(names, 5)
}

/// The first `shown` names, then "and N more".
pub(crate) fn list_at_most(names: &[String], shown: usize) -> String {
    let mut s = names
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > shown {
        s.push_str(&format!(" and {} more", names.len() - shown));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::TestCase;

    fn run(cases: &[(&str, TestOutcome)]) -> TestRun {
        let tests: Vec<TestCase> = cases
            .iter()
            .map(|(n, o)| TestCase {
                name: n.to_string(),
                outcome: *o,
                file: None,
            })
            .collect();
        TestRun {
            success: !tests.iter().any(|t| t.outcome.is_failure()),
            exit_code: Some(i32::from(tests.iter().any(|t| t.outcome.is_failure()))),
            tests,
            ..Default::default()
        }
    }
    use TestOutcome::{Failed as F, Passed as P, Skipped as S};

    #[test]
    fn per_test_table() {
        let base = run(&[("a", P), ("b", F), ("c", F)]);
        #[rustfmt::skip]
        let cases: Vec<(&str, TestRun, bool, &[&str], &str)> = vec![
            ("real fix", run(&[("a", P), ("b", P), ("c", P)]), true, &[], "pass now (b, c)"),
            ("partial fix", run(&[("a", P), ("b", P), ("c", F)]), true, &[], "still failing (c)"),
            ("deleted the failing tests", run(&[("a", P)]), false, &["missing", "fewer-ran", "no-fix"], "no longer run (deleted or renamed): b, c"),
            ("skipped them", run(&[("a", P), ("b", S), ("c", S)]), false, &["newly-skipped", "fewer-ran", "no-fix"], "skipped now that ran before: b, c"),
            ("broke a", run(&[("a", F), ("b", P), ("c", P)]), false, &["regressed"], "passed before the edits fail now: a"),
            ("renamed a", run(&[("a2", P), ("b", P), ("c", P)]), false, &["missing"], "a"),
            ("nothing fixed", run(&[("a", P), ("b", F), ("c", F)]), false, &["no-fix"], "still failing: b, c"),
            ("added a failing test", run(&[("a", P), ("b", P), ("c", P), ("d", F)]), false, &["added-failing"], "new since the baseline fail: d"),
        ];
        for (name, after, want, kinds, phrase) in cases {
            let v = judge(Some(&base), &after, &Policy::default());
            assert_eq!(v.passed, want, "{name}: {}", v.why);
            let got: Vec<&str> = v.comparisons.iter().map(|c| c.kind.as_str()).collect();
            assert_eq!(got, kinds.to_vec(), "{name}: {}", v.why);
            assert!(
                v.why.contains(phrase),
                "{name}: `{}` lacks `{phrase}`",
                v.why
            );
            assert!(
                v.why.ends_with('.') && !v.why.contains('\n'),
                "{name}: {}",
                v.why
            );
        }
    }

    #[test]
    fn allow_test_changes_lifts_deletion_and_skips_but_not_regressions() {
        let base = run(&[("a", P), ("b", F), ("old", P)]);
        let policy = Policy {
            allow_test_changes: true,
            ..Policy::default()
        };
        let v = judge(Some(&base), &run(&[("a", P), ("b", P)]), &policy);
        assert!(v.passed, "{}", v.why);
        let v = judge(Some(&base), &run(&[("a", F), ("b", P)]), &policy);
        assert!(!v.passed && v.comparisons[0].kind == "regressed");
    }

    #[test]
    fn a_passing_baseline_needs_an_added_test_and_flaky_tests_are_left_out() {
        let base = run(&[("a", P), ("b", P)]);
        let v = judge(Some(&base), &run(&[("a", P), ("b", P)]), &Policy::default());
        assert!(
            !v.passed && v.comparisons[0].kind == "no-added-test",
            "{}",
            v.why
        );
        let v = judge(
            Some(&base),
            &run(&[("a", P), ("b", P), ("test_regression", P)]),
            &Policy::default(),
        );
        assert!(v.passed && v.why.contains("test_regression"), "{}", v.why);

        let base = run(&[("a", P), ("b", F), ("wobbly", F)]);
        let policy = Policy {
            flaky: vec!["wobbly".into()],
            ..Policy::default()
        };
        let v = judge(
            Some(&base),
            &run(&[("a", P), ("b", P), ("wobbly", F)]),
            &policy,
        );
        assert!(
            v.passed && v.why.contains("flaky and left out: wobbly"),
            "{}",
            v.why
        );
        // Only the flaky test "fixed": no fix.
        let v = judge(
            Some(&base),
            &run(&[("a", P), ("b", F), ("wobbly", P)]),
            &policy,
        );
        assert!(!v.passed && v.comparisons[0].kind == "no-fix", "{}", v.why);
    }

    #[test]
    fn counts_catch_deletion_and_skips_when_no_test_is_listed() {
        let counted = |success: bool, p: u64, f: u64, s: u64| TestRun {
            success,
            exit_code: Some(i32::from(!success)),
            passed_count: Some(p),
            failed_count: Some(f),
            skipped_count: Some(s),
            failed_tests: (0..f).map(|i| format!("t{i}")).collect(),
            ..Default::default()
        };
        let base = counted(false, 1, 2, 0);
        let v = judge(Some(&base), &counted(true, 1, 0, 0), &Policy::default());
        assert!(
            !v.passed && v.comparisons[0].kind == "fewer-ran",
            "{}",
            v.why
        );
        let v = judge(Some(&base), &counted(true, 1, 0, 2), &Policy::default());
        assert!(!v.passed, "{}", v.why);
        let v = judge(Some(&base), &counted(true, 3, 0, 0), &Policy::default());
        assert!(v.passed, "{}", v.why);
    }
}
