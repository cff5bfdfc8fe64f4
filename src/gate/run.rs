//! Running the test command once: machine-readable result hooks set up in a private
//! temporary directory (junit for pytest, the unittest hook), the output parsed, the
//! results merged into a [`TestRun`].

use std::path::Path;
use std::time::Duration;

use super::parse::{self, Parsed, junit, unittest_hook};
use crate::process::ShellOptions;
use crate::run_record::TestRun;

/// Output kept in memory for parsing: enough for the failure list of a large suite.
pub const PARSE_LIMIT: usize = 4 * 1024 * 1024;
/// Output kept in the run record.
pub const TAIL_CHARS: usize = 8_000;

/// Run the test command in `repo` and read its results.
pub async fn run_tests(repo: &Path, command: &str, timeout: Duration) -> TestRun {
    // The hook files live outside the repository, so they never show in the diff.
    let hooks = tempfile::Builder::new()
        .prefix("octagit-gate-")
        .tempdir()
        .ok();
    let mut extra_env = Vec::new();
    if let Some(h) = &hooks {
        let junit_path = h.path().join("pytest-junit.xml");
        let existing = std::env::var("PYTEST_ADDOPTS").ok();
        extra_env.push((
            "PYTEST_ADDOPTS".to_string(),
            junit::pytest_addopts(&junit_path, existing.as_deref()),
        ));
        if unittest_hook::install(h.path()).is_ok() {
            let mut path = h.path().display().to_string();
            if let Ok(existing) = std::env::var("PYTHONPATH")
                && !existing.is_empty()
            {
                path = format!("{path}:{existing}");
            }
            extra_env.push(("PYTHONPATH".to_string(), path));
            extra_env.push((
                unittest_hook::RESULTS_VAR.to_string(),
                h.path().join("unittest.jsonl").display().to_string(),
            ));
        }
    }
    let opts = ShellOptions {
        base_env: None,
        extra_env,
        rw_dirs: hooks.iter().map(|h| h.path().to_path_buf()).collect(),
    };
    let r = crate::process::run_shell_with(command, repo, timeout, PARSE_LIMIT, &opts).await;
    let (parsed, parser) = read_results(hooks.as_ref().map(|h| h.path()), &r.output, repo);
    // go's JSON events read back as the text a person (and the model) would have seen.
    let shown = match parser {
        "go-json" => parse::go_json::parse(&r.output)
            .map(|(_, text)| text)
            .unwrap_or_else(|| r.output.clone()),
        _ => r.output.clone(),
    };
    TestRun {
        exit_code: r.exit_code,
        success: r.success(),
        timed_out: r.timed_out,
        duration_ms: r.duration.as_millis() as u64,
        failed_tests: parsed.failed,
        passed_tests: parsed.passed,
        passed_count: parsed.passed_count,
        failed_count: parsed.failed_count,
        output_tail: tail(&shown, TAIL_CHARS),
        tests: parsed.cases,
        skipped_count: parsed.skipped_count,
        parser: Some(parser.to_string()),
    }
}

/// The best source of results: junit, then the unittest hook, then the text.
fn read_results(hooks: Option<&Path>, output: &str, repo: &Path) -> (Parsed, &'static str) {
    if let Some(dir) = hooks {
        if let Ok(xml) = std::fs::read_to_string(dir.join("pytest-junit.xml"))
            && let Some(cases) = junit::parse(&xml, repo)
        {
            // junit lists collection errors as test cases too; the counts come from it.
            return (Parsed::from_cases(cases), "junit");
        }
        if let Some(cases) = unittest_hook::read(&dir.join("unittest.jsonl")) {
            return (Parsed::from_cases(cases), "unittest-hook");
        }
    }
    if let Some((cases, _)) = parse::go_json::parse(output)
        && !cases.is_empty()
    {
        return (Parsed::from_cases(cases), "go-json");
    }
    (parse::parse_output(output), "text")
}

/// The last `max` characters of `text`, saying how much came before.
pub fn tail(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let start = text
        .char_indices()
        .nth(count - max)
        .map(|(i, _)| i)
        .unwrap_or(0);
    format!("[truncated: {start} earlier bytes]\n{}", &text[start..])
}
