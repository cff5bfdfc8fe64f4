//! The gate: the repository's own test command, run before any edit (the baseline) and
//! after the agent's edits. A PR is opened only when [`verdict`] says the after-run passes.
//!
//! The command comes from configuration or flags, or is detected from the files at the
//! repository root; never from the issue text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use regex::Regex;

use crate::run_record::TestRun;

/// Output kept in memory for parsing: enough for the failure list of a large suite.
pub const PARSE_LIMIT: usize = 4 * 1024 * 1024;
/// Output kept in the run record.
pub const TAIL_CHARS: usize = 8_000;
/// Names kept per list in the run record.
const MAX_NAMES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateCommand {
    pub command: String,
    /// How it was chosen: `config`, `flag`, `input`, or `detected from Cargo.toml`.
    pub source: String,
}

/// The configured command when there is one, otherwise the detected one.
pub fn choose(configured: Option<&str>, source: &str, repo: &Path) -> Option<GateCommand> {
    match configured.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(GateCommand {
            command: c.to_string(),
            source: source.to_string(),
        }),
        None => detect(repo),
    }
}

/// Guess the test command from the files at the repository root, in a fixed order.
pub fn detect(repo: &Path) -> Option<GateCommand> {
    let found = |name: &str| repo.join(name).is_file();
    let detected = |command: &str, file: &str| {
        Some(GateCommand {
            command: command.to_string(),
            source: format!("detected from {file}"),
        })
    };
    if found("Cargo.toml") {
        return detected("cargo test", "Cargo.toml");
    }
    if found("go.mod") {
        return detected("go test ./...", "go.mod");
    }
    if found("package.json") && package_json_has_test(&repo.join("package.json")) {
        return detected("npm test", "package.json");
    }
    for marker in [
        "pyproject.toml",
        "setup.cfg",
        "pytest.ini",
        "tox.ini",
        "setup.py",
    ] {
        if found(marker) {
            return detected("python -m pytest -q", marker);
        }
    }
    for makefile in ["GNUmakefile", "makefile", "Makefile"] {
        if found(makefile) && makefile_has_test(&repo.join(makefile)) {
            return detected("make test", makefile);
        }
    }
    None
}

fn package_json_has_test(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    json.pointer("/scripts/test")
        .and_then(|t| t.as_str())
        // `npm init` writes a placeholder that always fails.
        .is_some_and(|t| !t.trim().is_empty() && !t.contains("no test specified"))
}

fn makefile_has_test(path: &Path) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?m)^test\s*:(?:[^=]|$)").expect("static regex"));
    std::fs::read_to_string(path).is_ok_and(|t| re.is_match(&t))
}

/// Run the test command and parse what it printed.
pub async fn run_tests(repo: &Path, command: &str, timeout: Duration) -> TestRun {
    let r = crate::process::run_shell(command, repo, timeout, PARSE_LIMIT).await;
    let parsed = parse_output(&r.output);
    TestRun {
        exit_code: r.exit_code,
        success: r.success(),
        timed_out: r.timed_out,
        duration_ms: r.duration.as_millis() as u64,
        failed_tests: parsed.failed,
        passed_tests: parsed.passed,
        passed_count: parsed.passed_count,
        failed_count: parsed.failed_count,
        output_tail: tail(&r.output, TAIL_CHARS),
    }
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

/// Test names and counts found in a runner's output. Names are as the runner printed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub failed: Vec<String>,
    pub passed: Vec<String>,
    pub passed_count: Option<u64>,
    pub failed_count: Option<u64>,
}

struct Patterns {
    ansi: Regex,
    pytest_short: Regex,
    pytest_verbose: Regex,
    pytest_summary: Regex,
    cargo_test: Regex,
    cargo_result: Regex,
    go_test: Regex,
    go_pkg_fail: Regex,
    go_pkg_ok: Regex,
    jest_bullet: Regex,
    jest_mark: Regex,
    jest_suite: Regex,
    jest_tests: Regex,
    unittest_case: Regex,
    unittest_ran: Regex,
    unittest_failed: Regex,
    mocha: Regex,
    count: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static regex");
        Patterns {
            ansi: re(r"\x1b\[[0-9;?]*[A-Za-z]"),
            pytest_short: re(r"^(?:FAILED|ERROR) ([^\s(]\S*)"),
            pytest_verbose: re(r"^(\S+::\S*?(?:\[[^\]]*\])?) (PASSED|FAILED|ERROR)\b"),
            pytest_summary: re(
                r"^=*\s*((?:\d+ (?:failed|passed|errors?|skipped|deselected|xfailed|xpassed|warnings?)(?:, )?)+) in [\d.]+s",
            ),
            cargo_test: re(r"^test (.+?) \.\.\. (ok|FAILED|ignored)"),
            cargo_result: re(r"^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed;"),
            go_test: re(r"^\s*--- (FAIL|PASS): (\S+) \("),
            go_pkg_fail: re(r"^FAIL\s+(\S+)\s+(?:[\d.]+s|\[(?:build|setup) failed\])"),
            go_pkg_ok: re(r"^ok\s+(\S+)\s+(?:[\d.]+s|\(cached\))"),
            jest_bullet: re(r"^\s*● (.+)$"),
            jest_mark: re(r"^\s+(✓|√|✕|×) (.+?)(?: \(\d+(?:\.\d+)? ?m?s\))?$"),
            jest_suite: re(r"^\s?(PASS|FAIL)\s+(\S+\.\w+)"),
            jest_tests: re(r"^Tests:\s+(.*\btotal)"),
            unittest_case: re(r"^(FAIL|ERROR): (\S+) \((.+)\)"),
            unittest_ran: re(r"^Ran (\d+) tests? in"),
            unittest_failed: re(r"^FAILED \((.*)\)"),
            mocha: re(r"^\s+(\d+) (passing|failing)\b"),
            count: re(r"(\d+) (failed|passed|errors?|failures)\b"),
        }
    })
}

/// Parse pytest, cargo test, go test, jest (and unittest, mocha counts) output. Every
/// format is tried on every line; the formats do not collide.
pub fn parse_output(output: &str) -> Parsed {
    let p = patterns();
    let clean = p.ansi.replace_all(output, "");
    let mut failed = Names::default();
    let mut passed = Names::default();
    let mut passed_count: Option<u64> = None;
    let mut failed_count: Option<u64> = None;
    let add = |slot: &mut Option<u64>, n: u64| *slot = Some(slot.unwrap_or(0) + n);
    let mut go_passed = 0u64;
    let mut go_failed = 0u64;
    let mut unittest_total: Option<u64> = None;

    for line in clean.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(c) = p.cargo_test.captures(line) {
            match &c[2] {
                "ok" => passed.push(&c[1]),
                "FAILED" => failed.push(&c[1]),
                _ => {}
            }
            continue;
        }
        if let Some(c) = p.cargo_result.captures(line) {
            add(&mut passed_count, c[1].parse().unwrap_or(0));
            add(&mut failed_count, c[2].parse().unwrap_or(0));
            continue;
        }
        if let Some(c) = p.pytest_verbose.captures(line) {
            if &c[2] == "PASSED" {
                passed.push(&c[1]);
            } else {
                failed.push(&c[1]);
            }
            continue;
        }
        if let Some(c) = p.pytest_short.captures(line) {
            failed.push(&c[1]);
            continue;
        }
        if let Some(c) = p.pytest_summary.captures(line) {
            let (mut pass, mut fail) = (0, 0);
            for m in p.count.captures_iter(&c[1]) {
                let n: u64 = m[1].parse().unwrap_or(0);
                match &m[2] {
                    "passed" => pass += n,
                    _ => fail += n,
                }
            }
            add(&mut passed_count, pass);
            add(&mut failed_count, fail);
            continue;
        }
        if let Some(c) = p.go_test.captures(line) {
            let top_level = !c[2].contains('/');
            if &c[1] == "PASS" {
                passed.push(&c[2]);
                go_passed += u64::from(top_level);
            } else {
                failed.push(&c[2]);
                go_failed += u64::from(top_level);
            }
            continue;
        }
        if let Some(c) = p.go_pkg_fail.captures(line) {
            failed.push(&format!("package {}", &c[1]));
            continue;
        }
        if let Some(c) = p.go_pkg_ok.captures(line) {
            passed.push(&format!("package {}", &c[1]));
            continue;
        }
        if let Some(c) = p.jest_bullet.captures(line) {
            let name = c[1].trim();
            if !matches!(name, "Console" | "Test suite failed to run") {
                failed.push(name);
            }
            continue;
        }
        // A failing ✕ line always has its own ● block with the full name: only ✓ counts.
        if let Some(c) = p.jest_mark.captures(line) {
            if matches!(&c[1], "✓" | "√") {
                passed.push(c[2].trim());
            }
            continue;
        }
        if let Some(c) = p.jest_suite.captures(line) {
            let name = format!("suite {}", &c[2]);
            if &c[1] == "PASS" {
                passed.push(&name);
            } else {
                failed.push(&name);
            }
            continue;
        }
        if let Some(c) = p.jest_tests.captures(line) {
            let (mut pass, mut fail) = (0, 0);
            for m in p.count.captures_iter(&c[1]) {
                let n: u64 = m[1].parse().unwrap_or(0);
                match &m[2] {
                    "passed" => pass += n,
                    _ => fail += n,
                }
            }
            add(&mut passed_count, pass);
            add(&mut failed_count, fail);
            continue;
        }
        if let Some(c) = p.unittest_case.captures(line) {
            failed.push(&format!("{} ({})", &c[2], &c[3]));
            continue;
        }
        if let Some(c) = p.unittest_ran.captures(line) {
            unittest_total = c[1].parse().ok();
            continue;
        }
        if let Some(c) = p.unittest_failed.captures(line)
            && let Some(total) = unittest_total
        {
            let fail = count_after(&c[1], "failures=") + count_after(&c[1], "errors=");
            add(&mut failed_count, fail);
            add(&mut passed_count, total.saturating_sub(fail));
            unittest_total = None;
            continue;
        }
        if let Some(c) = p.mocha.captures(line) {
            let n = c[1].parse().unwrap_or(0);
            if &c[2] == "passing" {
                add(&mut passed_count, n);
            } else {
                add(&mut failed_count, n);
            }
        }
    }
    // `Ran N tests ... OK`: unittest's success line carries no counts of its own.
    if let Some(total) = unittest_total
        && clean
            .lines()
            .any(|l| l.trim() == "OK" || l.starts_with("OK ("))
    {
        add(&mut passed_count, total);
    }
    if passed_count.is_none() && failed_count.is_none() && go_passed + go_failed > 0 {
        passed_count = Some(go_passed);
        failed_count = Some(go_failed);
    }
    Parsed {
        failed: failed.into_vec(),
        passed: passed.into_vec(),
        passed_count,
        failed_count,
    }
}

fn count_after(text: &str, key: &str) -> u64 {
    text.split(", ")
        .filter_map(|part| part.trim().strip_prefix(key))
        .filter_map(|n| n.trim().parse::<u64>().ok())
        .sum()
}

/// Ordered, de-duplicated, capped list of names.
#[derive(Default)]
struct Names {
    seen: BTreeSet<String>,
    list: Vec<String>,
}

impl Names {
    fn push(&mut self, name: &str) {
        if self.list.len() < MAX_NAMES && self.seen.insert(name.to_string()) {
            self.list.push(name.to_string());
        }
    }
    fn into_vec(self) -> Vec<String> {
        self.list
    }
}

/// Whether the after-run passes the gate, and why, in one sentence.
pub fn verdict(baseline: Option<&TestRun>, after: &TestRun) -> (bool, String) {
    verdict_with_targets(baseline, after, &[])
}

/// [`verdict`], where `targets` names tests the fix must make pass (empty: any test that
/// failed before and passes now counts as the fix).
pub fn verdict_with_targets(
    baseline: Option<&TestRun>,
    after: &TestRun,
    targets: &[String],
) -> (bool, String) {
    if after.timed_out {
        return (
            false,
            "the tests ran past the timeout and were stopped, so the fix is unproven.".into(),
        );
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
        return (
            true,
            format!("the test command succeeded after the edits{counted}{before}."),
        );
    }
    let failing = list(&after.failed_tests);
    let Some(base) = baseline else {
        return (
            false,
            format!(
                "the test command fails after the edits{} and there is no baseline to compare with.",
                named(&failing)
            ),
        );
    };
    if base.success {
        let broke: Vec<String> = after.failed_tests.clone();
        return (
            false,
            if broke.is_empty() {
                "the test command passed before the edits and fails after them.".into()
            } else {
                format!(
                    "the edits broke tests that passed before: {}.",
                    list(&broke)
                )
            },
        );
    }
    // Both runs failed: the edits must fix something and break nothing.
    if after.failed_tests.is_empty() {
        return (
            false,
            "the test command still fails and its output names no failing test, so nothing shows the fix worked.".into(),
        );
    }
    if base.failed_tests.is_empty() {
        return (
            false,
            format!(
                "the tests failed before the edits without naming a test, and now fail in {failing}."
            ),
        );
    }
    let before: BTreeSet<&String> = base.failed_tests.iter().collect();
    let now: BTreeSet<&String> = after.failed_tests.iter().collect();
    let new: Vec<String> = after
        .failed_tests
        .iter()
        .filter(|t| !before.contains(t))
        .cloned()
        .collect();
    if !new.is_empty() {
        return (
            false,
            format!(
                "tests that did not fail before the edits fail now: {}.",
                list(&new)
            ),
        );
    }
    if let (Some(b), Some(a)) = (base.passed_count, after.passed_count)
        && a < b
    {
        return (
            false,
            format!("fewer tests pass after the edits ({a}) than before them ({b})."),
        );
    }
    let still: Vec<String> = targets
        .iter()
        .filter(|t| now.contains(t))
        .cloned()
        .collect();
    if !still.is_empty() {
        return (
            false,
            format!("the target tests still fail: {}.", list(&still)),
        );
    }
    let fixed: Vec<String> = base
        .failed_tests
        .iter()
        .filter(|t| !now.contains(t))
        .cloned()
        .collect();
    if fixed.is_empty() {
        return (
            false,
            format!("the same tests fail as before the edits: {failing}."),
        );
    }
    (
        true,
        format!(
            "tests that failed before the edits pass now ({}); the {} still failing ({}) failed before the edits too.",
            list(&fixed),
            after.failed_tests.len(),
            failing
        ),
    )
}

fn named(list: &str) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" ({list})")
    }
}

/// A short list of names for a sentence.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// The gate as the agent's `run_tests` tool uses it: the command, its timeout, and the
/// baseline to compare against.
#[derive(Debug, Clone)]
pub struct Gate {
    pub repo: PathBuf,
    pub command: GateCommand,
    pub timeout: Duration,
    pub baseline: Option<TestRun>,
}

impl Gate {
    pub fn new(repo: &Path, command: GateCommand, timeout: Duration) -> Gate {
        Gate {
            repo: repo.to_path_buf(),
            command,
            timeout,
            baseline: None,
        }
    }

    pub async fn run(&self) -> TestRun {
        run_tests(&self.repo, &self.command.command, self.timeout).await
    }

    /// What the model sees after `run_tests`: outcome, failing names, the comparison with
    /// the baseline, the verdict it would get now, and the end of the output.
    pub fn digest(&self, run: &TestRun, tail_chars: usize) -> String {
        let mut out = String::new();
        let state = if run.timed_out {
            "TIMED OUT".to_string()
        } else if run.success {
            "PASSED".to_string()
        } else {
            format!(
                "FAILED (exit {})",
                run.exit_code.map_or("none".to_string(), |c| c.to_string())
            )
        };
        out.push_str(&format!(
            "`{}` {state} in {:.1}s",
            self.command.command,
            run.duration_ms as f64 / 1000.0
        ));
        match (run.failed_count, run.passed_count) {
            (Some(f), Some(p)) => out.push_str(&format!(": {f} failed, {p} passed.\n")),
            _ => out.push_str(".\n"),
        }
        if !run.failed_tests.is_empty() {
            out.push_str(&format!("Failing: {}\n", list_long(&run.failed_tests)));
        }
        if let Some(base) = &self.baseline {
            let before: BTreeSet<&String> = base.failed_tests.iter().collect();
            let now: BTreeSet<&String> = run.failed_tests.iter().collect();
            let new: Vec<String> = run
                .failed_tests
                .iter()
                .filter(|t| !before.contains(t))
                .cloned()
                .collect();
            let fixed: Vec<String> = base
                .failed_tests
                .iter()
                .filter(|t| !now.contains(t))
                .cloned()
                .collect();
            out.push_str(&format!(
                "Before your edits the command {}{}. Newly failing: {}. Now passing: {}.\n",
                if base.success { "passed" } else { "failed" },
                base.failed_count
                    .map(|n| format!(" with {n} failing"))
                    .unwrap_or_default(),
                if new.is_empty() {
                    "none".into()
                } else {
                    list_long(&new)
                },
                if fixed.is_empty() {
                    "none".into()
                } else {
                    list_long(&fixed)
                },
            ));
        }
        let (ok, why) = verdict(self.baseline.as_ref(), run);
        out.push_str(&format!(
            "If you finish now the gate {}: {why}\n",
            if ok { "passes" } else { "fails" }
        ));
        let t = tail(&run.output_tail, tail_chars);
        if !t.trim().is_empty() {
            out.push_str("--- end of the output ---\n");
            out.push_str(&t);
        }
        out
    }
}

fn list_long(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}
