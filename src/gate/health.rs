//! Did the baseline run tests at all? A command that cannot run a single test (not found,
//! pytest usage error or nothing collected, unittest loader errors, imports failing before
//! collection, a timeout) cannot judge a fix: the run stops before any model turn, with
//! the real error line quoted.

use std::sync::OnceLock;

use regex::Regex;

use crate::run_record::{BaselineHealth, TestRun};

/// Classify a baseline run. `command` is the test command (pytest's exit codes are read
/// only when it or its output is pytest's).
pub fn classify(run: &TestRun, command: &str) -> BaselineHealth {
    let out = &run.output_tail;
    let ran_some =
        !run.tests.is_empty() || run.passed_count.unwrap_or(0) + run.failed_count.unwrap_or(0) > 0;
    let not_ran = |kind: &str, line: Option<String>| BaselineHealth {
        ran_tests: false,
        kind: kind.to_string(),
        error_line: line.or_else(|| last_error_line(out)),
    };
    if run.timed_out {
        return not_ran(
            "timeout",
            Some("the command ran past the test timeout and was stopped".into()),
        );
    }
    if run.success {
        return ran("tests-ran");
    }
    // 126 with "Permission denied": the command exists but the user running it may not
    // read or execute it (at the separate-user sandbox level, a toolchain under /root).
    if run.exit_code == Some(126) && out.contains("Permission denied") {
        return not_ran("permission-denied", find(out, &["Permission denied"]));
    }
    // The shell's "not found" (126/127) and the wrappers' own words for a missing command.
    const MISSING: &[&str] = &[
        "Missing script:",
        "no such command",
        "could not find `Cargo.toml`",
        "does not exist",
        ": not found",
        "No such file",
    ];
    if matches!(run.exit_code, Some(126) | Some(127))
        || (!ran_some && MISSING.iter().any(|m| out.contains(m)))
    {
        return not_ran("command-not-found", find(out, MISSING));
    }
    if run.exit_code.is_none() && !ran_some {
        return not_ran("could-not-start", None);
    }
    let pytest = command.contains("pytest") || out.contains("pytest");
    if pytest && run.exit_code == Some(4) {
        return not_ran(
            "pytest-usage-error",
            find(out, &["error:", "ERROR:", "Error"]),
        );
    }
    if pytest && run.exit_code == Some(5) {
        return not_ran(
            "no-tests-collected",
            find(out, &["no tests ran", "collected 0 items"]),
        );
    }
    let loader = out.contains("unittest.loader._FailedTest")
        || run
            .tests
            .iter()
            .any(|t| t.name.starts_with("unittest.loader._FailedTest"));
    let real_tests = run
        .tests
        .iter()
        .filter(|t| !t.name.starts_with("unittest.loader._FailedTest"))
        .count();
    if loader && real_tests == 0 {
        return not_ran("loader-error", last_error_line(out));
    }
    if out.contains("NO TESTS RAN")
        || out.contains("Ran 0 tests")
        || out.contains("collected 0 items")
    {
        return not_ran(
            "no-tests-collected",
            find(out, &["NO TESTS RAN", "Ran 0 tests", "collected 0 items"]),
        );
    }
    if !ran_some
        && (out.contains("ImportError") || out.contains("ModuleNotFoundError"))
        && (out.contains("during collection") || !out.contains("Traceback") || pytest)
    {
        return not_ran("import-error", last_error_line(out));
    }
    if !ran_some && (out.contains("Cannot find module") || out.contains("ERR_MODULE_NOT_FOUND")) {
        return not_ran(
            "import-error",
            find(out, &["Cannot find module", "ERR_MODULE_NOT_FOUND"]),
        );
    }
    ran("tests-ran")
}

fn ran(kind: &str) -> BaselineHealth {
    BaselineHealth {
        ran_tests: true,
        kind: kind.to_string(),
        error_line: None,
    }
}

/// A short phrase for the kind, for sentences.
pub fn describe(kind: &str) -> &'static str {
    match kind {
        "timeout" => "it ran past the test timeout",
        "command-not-found" => "the command was not found",
        "permission-denied" => "it was not allowed to run the command",
        "could-not-start" => "the command could not start",
        "pytest-usage-error" => "pytest stopped with a usage error (exit 4)",
        "no-tests-collected" => "it collected no tests",
        "loader-error" => "unittest could not load the tests",
        "import-error" => "an import failed before any test ran",
        _ => "it ran tests",
    }
}

/// The first line holding the first of `needles` that occurs (they are in order of how
/// much they tell), trimmed.
fn find(out: &str, needles: &[&str]) -> Option<String> {
    needles
        .iter()
        .find_map(|n| out.lines().map(str::trim).find(|l| l.contains(n)))
        .map(clip)
        .or_else(|| last_error_line(out))
}

/// The last line that reads like an error (`ValueError: ...`, `error: ...`, `E   ...`).
pub fn last_error_line(out: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?:E\s+)?(?:[\w.]*(?:Error|Exception)\b:?|error(?:\[\w+\])?:|ERROR:|sh: |.*: not found|.*No such file)")
            .expect("static regex")
    });
    out.lines()
        .map(str::trim)
        .rfind(|l| re.is_match(l))
        .map(clip)
        .or_else(|| {
            out.lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty() && !l.chars().all(|c| "=-_ ".contains(c)))
                .map(clip)
        })
}

fn clip(line: &str) -> String {
    let l = line.trim();
    if l.chars().count() > 300 {
        format!("{}…", l.chars().take(300).collect::<String>())
    } else {
        l.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(exit: Option<i32>, out: &str) -> TestRun {
        let parsed = crate::gate::parse::parse_output(out);
        TestRun {
            exit_code: exit,
            success: false,
            output_tail: out.into(),
            passed_count: parsed.passed_count,
            failed_count: parsed.failed_count,
            tests: parsed.cases,
            ..Default::default()
        }
    }

    #[test]
    fn each_way_of_not_running_a_test_is_named_with_its_line() {
        let cases: Vec<(&str, TestRun, &str, &str)> = vec![
            (
                "pytestx -q",
                failing(Some(127), "sh: 1: pytestx: not found\n"),
                "command-not-found",
                "sh: 1: pytestx: not found",
            ),
            (
                "cargo test",
                failing(Some(126), "sh: 1: cargo: Permission denied\n"),
                "permission-denied",
                "sh: 1: cargo: Permission denied",
            ),
            (
                "python -m pytest",
                failing(
                    Some(4),
                    "ERROR: usage: pytest [options]\npytest: error: unrecognized arguments: --bogus\n",
                ),
                "pytest-usage-error",
                "pytest: error: unrecognized arguments: --bogus",
            ),
            (
                "python -m pytest",
                failing(Some(5), "\nno tests ran in 0.01s\n"),
                "no-tests-collected",
                "no tests ran in 0.01s",
            ),
            (
                "python3 -m unittest tests.test_missing_module",
                failing(
                    Some(1),
                    "E\n======================================================================\nERROR: test_missing_module (unittest.loader._FailedTest.test_missing_module)\n----------------------------------------------------------------------\nImportError: Failed to import test module: test_missing_module\nTraceback (most recent call last):\nModuleNotFoundError: No module named 'tests.test_missing_module'\n\n----------------------------------------------------------------------\nRan 1 test in 0.000s\n\nFAILED (errors=1)\n",
                ),
                "loader-error",
                "ModuleNotFoundError: No module named 'tests.test_missing_module'",
            ),
            (
                "python3 -m unittest",
                failing(
                    Some(5),
                    "\n----------------------------------------------------------------------\nRan 0 tests in 0.000s\n\nNO TESTS RAN\n",
                ),
                "no-tests-collected",
                "NO TESTS RAN",
            ),
        ];
        for (cmd, run, kind, line) in cases {
            let h = classify(&run, cmd);
            assert!(!h.ran_tests, "{cmd}: {h:?}");
            assert_eq!(h.kind, kind, "{cmd}");
            assert_eq!(h.error_line.as_deref(), Some(line), "{cmd}");
        }
        let timed_out = TestRun {
            timed_out: true,
            ..Default::default()
        };
        assert_eq!(classify(&timed_out, "make test").kind, "timeout");
    }

    #[test]
    fn failing_tests_and_opaque_scripts_count_as_tests_that_ran() {
        let pytest = failing(
            Some(1),
            "FAILED tests/test_calc.py::test_add - assert -1 == 3\n1 failed, 3 passed in 0.03s\n",
        );
        assert!(classify(&pytest, "python -m pytest").ran_tests);
        // A script that names no test: judged by its exit code, as before.
        let opaque = failing(Some(1), "FAIL: value is not fixed\n");
        assert!(classify(&opaque, "sh check.sh").ran_tests);
        // An import error inside one test is a failing test, not a broken command.
        let one = failing(
            Some(1),
            "F.\nTraceback (most recent call last):\nImportError: cannot import name 'x'\n\nRan 2 tests in 0.001s\n\nFAILED (failures=1)\n",
        );
        assert!(classify(&one, "python3 -m unittest").ran_tests);
    }
}
