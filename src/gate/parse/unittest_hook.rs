//! unittest prints no passing test names unless run with `-v`. A `sitecustomize` module put
//! first on `PYTHONPATH` records every result as a JSON line, so the gate sees each test
//! without changing the user's command. It hands over to any other `sitecustomize` on the
//! path, does nothing when the variable naming its output is unset, and never raises.

use std::path::Path;

use crate::run_record::{TestCase, TestOutcome};

/// The environment variable naming the results file.
pub const RESULTS_VAR: &str = "OCTAGIT_UNITTEST_RESULTS";

pub const SITECUSTOMIZE: &str = r#"# Written by OctaGit for one test run: records unittest results for the gate.
import os as _os
import sys as _sys


def _octagit_install():
    path = _os.environ.get("OCTAGIT_UNITTEST_RESULTS")
    if not path:
        return
    try:
        import json
        import unittest.result as _result
    except Exception:
        return
    base = _result.TestResult

    def write(test, outcome):
        try:
            tid = test.id()
        except Exception:
            tid = str(test)
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"id": tid, "outcome": outcome}) + "\n")
        except Exception:
            pass

    def wrap(name, outcome):
        original = getattr(base, name, None)
        if original is None:
            return

        def method(self, test, *args, **kwargs):
            write(test, outcome)
            return original(self, test, *args, **kwargs)

        setattr(base, name, method)

    wrap("addSuccess", "passed")
    wrap("addFailure", "failed")
    wrap("addError", "error")
    wrap("addSkip", "skipped")
    wrap("addExpectedFailure", "passed")
    wrap("addUnexpectedSuccess", "failed")
    sub = getattr(base, "addSubTest", None)
    if sub is not None:

        def add_sub_test(self, test, subtest, err, *args, **kwargs):
            if err is not None:
                write(test, "failed")
            return sub(self, test, subtest, err, *args, **kwargs)

        base.addSubTest = add_sub_test


def _octagit_chain():
    here = _os.path.dirname(_os.path.abspath(__file__))
    saved = list(_sys.path)
    ours = _sys.modules.pop("sitecustomize", None)
    try:
        _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != here]
        import importlib

        importlib.import_module("sitecustomize")
    except ImportError:
        if ours is not None:
            _sys.modules["sitecustomize"] = ours
    except Exception:
        pass
    finally:
        _sys.path[:] = saved


try:
    _octagit_install()
except Exception:
    pass
_octagit_chain()
"#;

/// Write the hook into `dir` (which then goes first on `PYTHONPATH`).
pub fn install(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("sitecustomize.py"), SITECUSTOMIZE)
}

/// The recorded results, or None when nothing was recorded (not unittest, or Python did not
/// load the hook).
pub fn read(path: &Path) -> Option<Vec<TestCase>> {
    let text = std::fs::read_to_string(path).ok()?;
    let cases: Vec<TestCase> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let id = v.get("id")?.as_str()?.to_string();
            let outcome = match v.get("outcome")?.as_str()? {
                "passed" => TestOutcome::Passed,
                "failed" => TestOutcome::Failed,
                "error" => TestOutcome::Error,
                "skipped" => TestOutcome::Skipped,
                _ => return None,
            };
            Some(TestCase {
                name: id,
                outcome,
                file: None,
            })
        })
        .collect();
    (!cases.is_empty()).then_some(cases)
}
