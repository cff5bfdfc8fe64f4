//! The text parser: pytest, cargo test, go test, jest, vitest, mocha, node's test runner
//! (TAP and spec reporters) and unittest, from what they print. Every format is tried on
//! every line; the formats do not collide.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;

use super::{MAX_NAMES, Parsed, dedupe};
use crate::run_record::{TestCase, TestOutcome};

struct Patterns {
    ansi: Regex,
    pytest_short: Regex,
    pytest_verbose: Regex,
    pytest_summary: Regex,
    cargo_test: Regex,
    cargo_result: Regex,
    go_run: Regex,
    go_test: Regex,
    go_pkg_fail: Regex,
    go_pkg_ok: Regex,
    jest_bullet: Regex,
    jest_mark: Regex,
    jest_suite: Regex,
    jest_tests: Regex,
    unittest_case: Regex,
    unittest_verbose: Regex,
    unittest_ran: Regex,
    unittest_status: Regex,
    mocha: Regex,
    mocha_fail: Regex,
    tap: Regex,
    tap_subtest: Regex,
    node_count: Regex,
    count: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static regex");
        Patterns {
            ansi: re(r"\x1b\[[0-9;?]*[A-Za-z]"),
            pytest_short: re(r"^(?:FAILED|ERROR) ([^\s(\[]\S*)"),
            pytest_verbose: re(
                r"^(\S+::\S*?(?:\[[^\]]*\])?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b",
            ),
            pytest_summary: re(
                r"^=*\s*((?:\d+ (?:failed|passed|errors?|skipped|deselected|xfailed|xpassed|warnings?)(?:, )?)+) in [\d.]+s",
            ),
            cargo_test: re(r"^test (.+?) \.\.\. (ok|FAILED|ignored)"),
            cargo_result: re(
                r"^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;",
            ),
            go_run: re(r"^\s*=== RUN\s+\S+"),
            go_test: re(r"^\s*--- (FAIL|PASS|SKIP): (\S+) \("),
            go_pkg_fail: re(r"^FAIL\s+(\S+)\s+(?:[\d.]+s|\[(?:build|setup) failed\])"),
            go_pkg_ok: re(r"^ok\s+(\S+)\s+(?:[\d.]+s|\(cached\))"),
            jest_bullet: re(r"^\s*● (.+)$"),
            jest_mark: re(
                r"^(\s+)(✓|√|✕|×|○|✔|✖|﹣) (?:skipped )?(.+?)(?: \(\d+(?:\.\d+)? ?m?s\))?(?: # SKIP.*)?$",
            ),
            jest_suite: re(r"^\s?(PASS|FAIL)\s+(\S+\.\w+)"),
            jest_tests: re(r"^Tests:\s+(.*\btotal)"),
            unittest_case: re(r"^(FAIL|ERROR): (\S+) \((.+)\)"),
            unittest_verbose: re(
                r"^(\w+) \(([\w.]+)\)(?:\n.*)? \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)",
            ),
            unittest_ran: re(r"^Ran (\d+) tests? in"),
            unittest_status: re(r"^(?:FAILED|OK) \((.*)\)"),
            mocha: re(r"^\s+(\d+) (passing|failing|pending)\b"),
            mocha_fail: re(r"^\s+\d+\) (.+)$"),
            tap: re(r"^(\s*)(ok|not ok) \d+ - (.+?)(?: # (SKIP|TODO)\b.*)?$"),
            tap_subtest: re(r"^(\s*)# Subtest: (.+)$"),
            node_count: re(r"^(?:#|ℹ) (pass|fail|skipped|todo|cancelled) (\d+)$"),
            count: re(r"(\d+) (failed|passed|errors?|failures|skipped)\b"),
        }
    })
}

/// Parse what a runner printed. `cases` is filled only from formats that list every test
/// that ran, so an empty list means "only failures are named".
pub fn parse_output(output: &str) -> Parsed {
    let p = patterns();
    let clean = p.ansi.replace_all(output, "");
    let mut failed = Names::default();
    let mut passed = Names::default();
    let mut cases: Vec<TestCase> = Vec::new();
    let mut passed_count: Option<u64> = None;
    let mut failed_count: Option<u64> = None;
    let mut skipped_count: Option<u64> = None;
    let add = |slot: &mut Option<u64>, n: u64| *slot = Some(slot.unwrap_or(0) + n);
    let mut go_verbose = false;
    let (mut go_passed, mut go_failed, mut go_skipped) = (0u64, 0u64, 0u64);
    let mut unittest_total: Option<u64> = None;
    let mut node_counts: [Option<u64>; 3] = [None; 3];
    // TAP subtest names by indent, for nested node tests.
    let mut tap_stack: Vec<(usize, String)> = Vec::new();
    // jest/vitest/node spec: describe blocks by indent inside a suite's listing.
    let mut describe: Vec<(usize, String)> = Vec::new();
    let mut in_listing = false;
    let mut listing_over = false;

    let lines: Vec<&str> = clean.lines().map(|l| l.trim_end_matches('\r')).collect();
    for (i, line) in lines.iter().copied().enumerate() {
        if line.trim().is_empty() {
            in_listing = false;
            describe.clear();
            continue;
        }
        if let Some(c) = p.cargo_test.captures(line) {
            let outcome = match &c[2] {
                "ok" => TestOutcome::Passed,
                "FAILED" => TestOutcome::Failed,
                _ => TestOutcome::Skipped,
            };
            note(&mut passed, &mut failed, &mut cases, &c[1], outcome);
            continue;
        }
        if let Some(c) = p.cargo_result.captures(line) {
            add(&mut passed_count, c[1].parse().unwrap_or(0));
            add(&mut failed_count, c[2].parse().unwrap_or(0));
            add(&mut skipped_count, c[3].parse().unwrap_or(0));
            continue;
        }
        if let Some(c) = p.pytest_verbose.captures(line) {
            let outcome = match &c[2] {
                "PASSED" | "XFAIL" => TestOutcome::Passed,
                "SKIPPED" => TestOutcome::Skipped,
                "ERROR" => TestOutcome::Error,
                _ => TestOutcome::Failed,
            };
            note(&mut passed, &mut failed, &mut cases, &c[1], outcome);
            continue;
        }
        if let Some(c) = p.pytest_short.captures(line) {
            failed.push(&c[1]);
            continue;
        }
        if let Some(c) = p.pytest_summary.captures(line) {
            let (pass, fail, skip) = summary_counts(&p.count, &c[1]);
            add(&mut passed_count, pass);
            add(&mut failed_count, fail);
            add(&mut skipped_count, skip);
            continue;
        }
        if p.go_run.is_match(line) {
            go_verbose = true;
            continue;
        }
        if let Some(c) = p.go_test.captures(line) {
            let top_level = u64::from(!c[2].contains('/'));
            let outcome = match &c[1] {
                "PASS" => {
                    passed.push(&c[2]);
                    go_passed += top_level;
                    TestOutcome::Passed
                }
                "SKIP" => {
                    go_skipped += top_level;
                    TestOutcome::Skipped
                }
                _ => {
                    failed.push(&c[2]);
                    go_failed += top_level;
                    TestOutcome::Failed
                }
            };
            cases.push(case(&c[2], outcome));
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
        if let Some(c) = p.tap_subtest.captures(line) {
            let indent = c[1].len();
            tap_stack.retain(|(d, _)| *d < indent);
            tap_stack.push((indent, c[2].trim().to_string()));
            continue;
        }
        if let Some(c) = p.tap.captures(line) {
            let indent = c[1].len();
            // A parent's line follows its children's, one level less indented: the
            // children carry the outcome, the parent is not a test of its own.
            let next_is_child = lines[..i]
                .iter()
                .rev()
                .find_map(|l| p.tap.captures(l).map(|pc| pc[1].len()));
            tap_stack.retain(|(d, _)| *d <= indent);
            let is_parent = next_is_child.is_some_and(|d| d > indent);
            let title = c[3].trim().to_string();
            let mut path: Vec<String> = tap_stack
                .iter()
                .filter(|(d, _)| *d < indent)
                .map(|(_, n)| n.clone())
                .collect();
            path.push(title);
            tap_stack.retain(|(d, _)| *d < indent);
            if is_parent {
                continue;
            }
            let name = path.join(" > ");
            let outcome = match (c.get(4).map(|m| m.as_str()), &c[2]) {
                (Some(_), _) => TestOutcome::Skipped,
                (None, "ok") => TestOutcome::Passed,
                _ => TestOutcome::Failed,
            };
            note(&mut passed, &mut failed, &mut cases, &name, outcome);
            continue;
        }
        if let Some(c) = p.node_count.captures(line) {
            let n = c[2].parse().ok();
            match &c[1] {
                "pass" => node_counts[0] = n,
                "fail" => node_counts[1] = n,
                "skipped" | "todo" => {
                    node_counts[2] = Some(node_counts[2].unwrap_or(0) + n.unwrap_or(0))
                }
                _ => {}
            }
            continue;
        }
        if line.trim_start().starts_with("✖ failing tests") {
            // node's spec reporter repeats every failure at the end.
            listing_over = true;
            continue;
        }
        if let Some(c) = p.jest_bullet.captures(line) {
            let name = c[1].trim();
            if !matches!(name, "Console" | "Test suite failed to run") {
                failed.push(name);
            }
            continue;
        }
        if let Some(c) = p.jest_mark.captures(line) {
            if listing_over {
                continue;
            }
            let indent = c[1].len();
            describe.retain(|(d, _)| *d < indent);
            let mut path: Vec<String> = describe.iter().map(|(_, n)| n.clone()).collect();
            path.push(c[3].trim().to_string());
            let name = path.join(" › ");
            let outcome = match &c[2] {
                "✓" | "√" | "✔" => TestOutcome::Passed,
                "○" | "﹣" => TestOutcome::Skipped,
                _ => TestOutcome::Failed,
            };
            note(&mut passed, &mut failed, &mut cases, &name, outcome);
            continue;
        }
        if let Some(c) = p.jest_suite.captures(line) {
            let name = format!("suite {}", &c[2]);
            if &c[1] == "PASS" {
                passed.push(&name);
            } else {
                failed.push(&name);
            }
            in_listing = true;
            describe.clear();
            continue;
        }
        if let Some(c) = p.jest_tests.captures(line) {
            let (pass, fail, skip) = summary_counts(&p.count, &c[1]);
            add(&mut passed_count, pass);
            add(&mut failed_count, fail);
            add(&mut skipped_count, skip);
            continue;
        }
        if let Some(c) = p.unittest_case.captures(line) {
            failed.push(&format!("{} ({})", &c[2], &c[3]));
            continue;
        }
        if let Some(c) = p.unittest_verbose.captures(line) {
            let name = format!("{} ({})", &c[1], &c[2]);
            let outcome = match &c[3] {
                "ok" | "expected failure" => TestOutcome::Passed,
                "skipped" => TestOutcome::Skipped,
                "ERROR" => TestOutcome::Error,
                _ => TestOutcome::Failed,
            };
            note(&mut passed, &mut failed, &mut cases, &name, outcome);
            continue;
        }
        if let Some(c) = p.unittest_ran.captures(line) {
            unittest_total = c[1].parse().ok();
            continue;
        }
        if let Some(c) = p.unittest_status.captures(line)
            && let Some(total) = unittest_total
        {
            let fail = count_after(&c[1], "failures=")
                + count_after(&c[1], "errors=")
                + count_after(&c[1], "unexpected successes=");
            let skip = count_after(&c[1], "skipped=");
            add(&mut failed_count, fail);
            add(&mut skipped_count, skip);
            add(&mut passed_count, total.saturating_sub(fail + skip));
            unittest_total = None;
            continue;
        }
        if let Some(c) = p.mocha.captures(line) {
            let n = c[1].parse().unwrap_or(0);
            match &c[2] {
                "passing" => add(&mut passed_count, n),
                "pending" => add(&mut skipped_count, n),
                _ => add(&mut failed_count, n),
            }
            // Mocha repeats each failure below its summary.
            listing_over = true;
            continue;
        }
        if in_listing
            && !listing_over
            && let Some(c) = p.mocha_fail.captures(line)
        {
            let name = c[1].trim();
            failed.push(name);
            cases.push(case(name, TestOutcome::Failed));
            continue;
        }
        // Inside a suite's listing, any other indented line opens a describe block.
        let indent = line.len() - line.trim_start().len();
        if indent > 0 && (in_listing || !describe.is_empty() || looks_like_describe(line)) {
            describe.retain(|(d, _)| *d < indent);
            describe.push((indent, line.trim().trim_start_matches("▶ ").to_string()));
            in_listing = true;
        }
    }
    // `Ran N tests ... OK`: unittest's bare success line carries no counts of its own.
    if let Some(total) = unittest_total
        && lines.iter().any(|l| l.trim() == "OK")
    {
        add(&mut passed_count, total);
    }
    if let [Some(pass), Some(fail), skip] = node_counts
        && passed_count.is_none()
        && failed_count.is_none()
    {
        passed_count = Some(pass);
        failed_count = Some(fail);
        skipped_count = skip;
    }
    if passed_count.is_none() && failed_count.is_none() && go_passed + go_failed + go_skipped > 0 {
        passed_count = Some(go_passed);
        failed_count = Some(go_failed);
        if go_skipped > 0 {
            skipped_count = Some(go_skipped);
        }
    }
    // Without `-v`, go prints only its failures: no complete listing.
    if !go_verbose {
        cases.retain(|c| !go_like(&c.name));
    }
    Parsed {
        failed: failed.into_vec(),
        passed: passed.into_vec(),
        passed_count,
        failed_count,
        skipped_count,
        cases: dedupe(cases),
    }
}

/// A go test name (`TestX`, `TestX/sub`), as only `go test` prints them after `--- `.
fn go_like(name: &str) -> bool {
    let first = name.split('/').next().unwrap_or("");
    ["Test", "Example", "Benchmark", "Fuzz"]
        .iter()
        .any(|p| first.starts_with(p))
        && !name.contains(' ')
}

/// Node's spec reporter marks suites with `▶`.
fn looks_like_describe(line: &str) -> bool {
    line.trim_start().starts_with("▶ ")
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

/// Passed, failed and skipped from a summary line's "N passed, M failed, K skipped" list
/// (pytest's and jest's); any other word counts as failed.
fn summary_counts(count: &Regex, list: &str) -> (u64, u64, u64) {
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for m in count.captures_iter(list) {
        let n: u64 = m[1].parse().unwrap_or(0);
        match &m[2] {
            "passed" => pass += n,
            "skipped" => skip += n,
            _ => fail += n,
        }
    }
    (pass, fail, skip)
}

/// One test's line: into the passed or failed names (skipped ones are in neither) and the
/// cases.
fn note(
    passed: &mut Names,
    failed: &mut Names,
    cases: &mut Vec<TestCase>,
    name: &str,
    outcome: TestOutcome,
) {
    match outcome {
        TestOutcome::Passed => passed.push(name),
        TestOutcome::Skipped => {}
        // A failing jest ✕ line also has its own ● block with the same full name; `Names`
        // keeps each name once.
        TestOutcome::Failed | TestOutcome::Error => failed.push(name),
    }
    cases.push(case(name, outcome));
}

fn case(name: &str, outcome: TestOutcome) -> TestCase {
    TestCase {
        name: name.to_string(),
        outcome,
        file: None,
    }
}
