//! Flaky tests: a failing baseline is run twice; a test whose outcome differs between the
//! two runs proves nothing either way, so the verdict leaves it out and the reports list it.

use std::collections::{BTreeMap, BTreeSet};

use crate::run_record::TestRun;

/// Names whose outcome differs between two runs of the same code.
pub fn differing(first: &TestRun, second: &TestRun) -> Vec<String> {
    if !first.tests.is_empty() && !second.tests.is_empty() {
        let b: BTreeMap<&str, _> = second
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.outcome))
            .collect();
        return first
            .tests
            .iter()
            .filter(|t| b.get(t.name.as_str()).is_some_and(|o| *o != t.outcome))
            .map(|t| t.name.clone())
            .collect();
    }
    let a: BTreeSet<&String> = first.failed_tests.iter().collect();
    let b: BTreeSet<&String> = second.failed_tests.iter().collect();
    a.symmetric_difference(&b).map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{TestCase, TestOutcome};

    #[test]
    fn names_tests_whose_outcome_changed() {
        let r = |o: TestOutcome| TestRun {
            tests: vec![
                TestCase {
                    name: "steady".into(),
                    outcome: TestOutcome::Failed,
                    file: None,
                },
                TestCase {
                    name: "wobbly".into(),
                    outcome: o,
                    file: None,
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            differing(&r(TestOutcome::Failed), &r(TestOutcome::Passed)),
            vec!["wobbly"]
        );
        assert!(differing(&r(TestOutcome::Failed), &r(TestOutcome::Failed)).is_empty());
        let names = |f: &[&str]| TestRun {
            failed_tests: f.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert_eq!(differing(&names(&["a", "b"]), &names(&["a"])), vec!["b"]);
    }
}
