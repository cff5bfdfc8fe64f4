//! `go test -json` (test2json events), used when OctaGit chose the command itself (a
//! repository with `go.mod` and no configured command). The events give every test's
//! outcome; their `Output` fields are joined back into the text a person reads.

use crate::run_record::{TestCase, TestOutcome};

/// The cases and the plain text, or None when the output holds no test2json event.
pub fn parse(output: &str) -> Option<(Vec<TestCase>, String)> {
    let mut cases = Vec::new();
    let mut text = String::new();
    let mut events = 0usize;
    for line in output.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            // Not an event (a build error go printed on stderr): keep it as text.
            text.push_str(line);
            text.push('\n');
            continue;
        };
        let Some(action) = v.get("Action").and_then(|a| a.as_str()) else {
            text.push_str(line);
            text.push('\n');
            continue;
        };
        events += 1;
        if let Some(out) = v.get("Output").and_then(|o| o.as_str()) {
            text.push_str(out);
        }
        let Some(test) = v.get("Test").and_then(|t| t.as_str()) else {
            continue;
        };
        let outcome = match action {
            "pass" => TestOutcome::Passed,
            "fail" => TestOutcome::Failed,
            "skip" => TestOutcome::Skipped,
            _ => continue,
        };
        let package = v.get("Package").and_then(|p| p.as_str()).unwrap_or("");
        cases.push(TestCase {
            name: if package.is_empty() {
                test.to_string()
            } else {
                format!("{test} [{package}]")
            },
            outcome,
            file: None,
        });
    }
    (events > 0).then_some((cases, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_test2json_events() {
        // As `go test -json ./...` (go 1.22) prints them, `Time` fields left out.
        let out = r#"{"Action":"start","Package":"example.com/calc"}
{"Action":"run","Package":"example.com/calc","Test":"TestAdd"}
{"Action":"output","Package":"example.com/calc","Test":"TestAdd","Output":"=== RUN   TestAdd\n"}
{"Action":"output","Package":"example.com/calc","Test":"TestAdd","Output":"    calc_test.go:8: Add(1, 2) = -1, want 3\n"}
{"Action":"output","Package":"example.com/calc","Test":"TestAdd","Output":"--- FAIL: TestAdd (0.00s)\n"}
{"Action":"fail","Package":"example.com/calc","Test":"TestAdd","Elapsed":0}
{"Action":"run","Package":"example.com/calc","Test":"TestMul"}
{"Action":"pass","Package":"example.com/calc","Test":"TestMul","Elapsed":0}
{"Action":"skip","Package":"example.com/calc","Test":"TestSlow","Elapsed":0}
{"Action":"fail","Package":"example.com/calc","Elapsed":0.003}
# example.com/calc/broken
broken/broken.go:4:2: undefined: foo
"#;
        let (cases, text) = parse(out).unwrap();
        let got: Vec<(&str, TestOutcome)> =
            cases.iter().map(|c| (c.name.as_str(), c.outcome)).collect();
        assert_eq!(
            got,
            vec![
                ("TestAdd [example.com/calc]", TestOutcome::Failed),
                ("TestMul [example.com/calc]", TestOutcome::Passed),
                ("TestSlow [example.com/calc]", TestOutcome::Skipped),
            ]
        );
        assert!(text.contains("--- FAIL: TestAdd (0.00s)\n"), "{text}");
        assert!(text.contains("undefined: foo"), "{text}");
        assert!(parse("ok  \texample.com/calc\t0.002s\n").is_none());
    }
}
