//! pytest's junit XML, asked for through `PYTEST_ADDOPTS` so the user's command is not
//! changed. Test names are rebuilt as pytest node ids (`tests/test_x.py::TestY::test_z`)
//! when the module's file exists, so they read like the text output.

use std::path::Path;

use crate::run_record::{TestCase, TestOutcome};

/// The `PYTEST_ADDOPTS` that makes pytest write its junit report to `path`.
pub fn pytest_addopts(path: &Path, existing: Option<&str>) -> String {
    let ours = format!("--junitxml={}", path.display());
    match existing.map(str::trim).filter(|e| !e.is_empty()) {
        // The user's own options come first, as they would without us.
        Some(e) => format!("{e} {ours}"),
        None => ours,
    }
}

/// Every `<testcase>` in the report, or None when it is not a junit report.
pub fn parse(xml: &str, repo: &Path) -> Option<Vec<TestCase>> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    if !matches!(root.tag_name().name(), "testsuites" | "testsuite") {
        return None;
    }
    let mut cases = Vec::new();
    for tc in root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "testcase")
    {
        let name = tc.attribute("name").unwrap_or("").to_string();
        let classname = tc.attribute("classname").unwrap_or("");
        let outcome = tc
            .children()
            .filter(|c| c.is_element())
            .find_map(|c| match c.tag_name().name() {
                "failure" => Some(TestOutcome::Failed),
                "error" => Some(TestOutcome::Error),
                "skipped" => Some(
                    // pytest writes xfail as skipped with type pytest.xfail: an expected
                    // failure is a pass for the gate.
                    if c.attribute("type") == Some("pytest.xfail") {
                        TestOutcome::Passed
                    } else {
                        TestOutcome::Skipped
                    },
                ),
                _ => None,
            })
            .unwrap_or(TestOutcome::Passed);
        let (id, file) = node_id(classname, &name, tc.attribute("file"), repo);
        cases.push(TestCase {
            name: id,
            outcome,
            file,
        });
    }
    Some(cases)
}

/// `tests.test_calc.TestCalc` + `test_add` → `tests/test_calc.py::TestCalc::test_add`.
fn node_id(
    classname: &str,
    name: &str,
    file: Option<&str>,
    repo: &Path,
) -> (String, Option<String>) {
    let parts: Vec<&str> = classname.split('.').filter(|p| !p.is_empty()).collect();
    for split in (1..=parts.len()).rev() {
        let module = parts[..split].join("/");
        let candidate = format!("{module}.py");
        if file == Some(candidate.as_str()) || repo.join(&candidate).is_file() {
            let mut id = candidate.clone();
            for class in &parts[split..] {
                id.push_str("::");
                id.push_str(class);
            }
            id.push_str("::");
            id.push_str(name);
            return (id, Some(candidate));
        }
    }
    let id = if classname.is_empty() {
        name.to_string()
    } else {
        format!("{classname}::{name}")
    };
    (id, file.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_outcomes_and_rebuilds_node_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/test_calc.py"), "").unwrap();
        // As pytest 8 writes it (xunit2 family, the default).
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="5" time="0.05"><testcase classname="tests.test_calc" name="test_add" time="0.001"><failure message="assert -1 == 3">def test_add():</failure></testcase><testcase classname="tests.test_calc.TestCalc" name="test_sub[1-2]" time="0.001" /><testcase classname="tests.test_calc" name="test_skip" time="0"><skipped type="pytest.skip" message="flaky">tests/test_calc.py:9: flaky</skipped></testcase><testcase classname="tests.test_calc" name="test_x" time="0"><skipped type="pytest.xfail" message="" /></testcase><testcase classname="tests.test_calc" name="test_fixture" time="0"><error message="failed on setup">fixture 'zero' not found</error></testcase></testsuite></testsuites>"#;
        let cases = parse(xml, dir.path()).unwrap();
        let got: Vec<(&str, TestOutcome)> =
            cases.iter().map(|c| (c.name.as_str(), c.outcome)).collect();
        assert_eq!(
            got,
            vec![
                ("tests/test_calc.py::test_add", TestOutcome::Failed),
                (
                    "tests/test_calc.py::TestCalc::test_sub[1-2]",
                    TestOutcome::Passed
                ),
                ("tests/test_calc.py::test_skip", TestOutcome::Skipped),
                ("tests/test_calc.py::test_x", TestOutcome::Passed),
                ("tests/test_calc.py::test_fixture", TestOutcome::Error),
            ]
        );
        assert_eq!(cases[0].file.as_deref(), Some("tests/test_calc.py"));
        assert!(parse("<html/>", dir.path()).is_none());
        assert!(parse("not xml", dir.path()).is_none());
    }

    #[test]
    fn keeps_the_users_addopts_first() {
        let p = Path::new("/tmp/r/junit.xml");
        assert_eq!(pytest_addopts(p, None), "--junitxml=/tmp/r/junit.xml");
        assert_eq!(
            pytest_addopts(p, Some("-x")),
            "-x --junitxml=/tmp/r/junit.xml"
        );
    }
}
