//! Reading a runner's results. Machine-readable files come first where the runner writes
//! them without a change to the user's command (pytest's junit XML through
//! `PYTEST_ADDOPTS`, unittest through a result hook on `PYTHONPATH`); the text parser is
//! the fallback, and the run record says which one was used.

pub mod go_json;
pub mod junit;
pub mod text;
pub mod unittest_hook;

use std::collections::BTreeMap;

use crate::run_record::{TestCase, TestOutcome};

pub use text::parse_output;

/// Names kept per list in the run record.
pub(crate) const MAX_NAMES: usize = 500;
/// Test cases kept per run in the run record.
pub(crate) const MAX_CASES: usize = 5_000;

/// Test names and counts found in a runner's results. Names are as the runner printed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub failed: Vec<String>,
    pub passed: Vec<String>,
    pub passed_count: Option<u64>,
    pub failed_count: Option<u64>,
    pub skipped_count: Option<u64>,
    /// Every test with its outcome, from a format that lists each test that ran (cargo's
    /// `test x ... ok`, `pytest -v`, `go test -v`, TAP, jest/mocha/node marks, `unittest -v`,
    /// junit, the unittest hook). Empty when the output only names failures.
    pub cases: Vec<TestCase>,
}

impl Parsed {
    /// A result built from a complete list of cases (junit, the unittest hook).
    pub fn from_cases(cases: Vec<TestCase>) -> Parsed {
        let cases = dedupe(cases);
        let count =
            |f: &dyn Fn(TestOutcome) -> bool| cases.iter().filter(|c| f(c.outcome)).count() as u64;
        let names = |f: &dyn Fn(TestOutcome) -> bool| {
            cases
                .iter()
                .filter(|c| f(c.outcome))
                .take(MAX_NAMES)
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        Parsed {
            failed: names(&|o| o.is_failure()),
            passed: names(&|o| o == TestOutcome::Passed),
            passed_count: Some(count(&|o| o == TestOutcome::Passed)),
            failed_count: Some(count(&|o| o.is_failure())),
            skipped_count: Some(count(&|o| o == TestOutcome::Skipped)),
            cases,
        }
    }
}

/// One entry per name, in first-seen order; a failure seen anywhere wins (a unittest
/// subtest failure followed by the parent's own result, a retried test).
pub(crate) fn dedupe(cases: Vec<TestCase>) -> Vec<TestCase> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<TestCase> = Vec::new();
    for c in cases {
        match index.get(&c.name) {
            Some(&i) => {
                if c.outcome.is_failure() {
                    out[i].outcome = c.outcome;
                }
            }
            None => {
                if out.len() >= MAX_CASES {
                    continue;
                }
                index.insert(c.name.clone(), out.len());
                out.push(c);
            }
        }
    }
    out
}
