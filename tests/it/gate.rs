//! The gate: test-command detection, running the command (timeout kills the whole process
//! group, secrets stay out of its environment), parsing real runner output, the verdict.

use std::time::{Duration, Instant};

use octagit::gate::{self, GateCommand, parse_output, verdict, verdict_with_targets};
use octagit::process::{ShellOptions, run_shell, run_shell_with};
use octagit::run_record::TestRun;

use crate::support::repo::TempRepo;

fn detected(files: &[(&str, &str)]) -> Option<(String, String)> {
    let r = TempRepo::with_files(files);
    gate::detect(r.path()).map(|g| (g.command, g.source))
}

#[test]
fn detects_each_ecosystem_from_its_files() {
    let d = |cmd: &str, file: &str| Some((cmd.to_string(), format!("detected from {file}")));
    assert_eq!(
        detected(&[("Cargo.toml", "[package]\nname = \"x\"\n")]),
        d("cargo test", "Cargo.toml")
    );
    assert_eq!(
        detected(&[("go.mod", "module example.com/x\n")]),
        d("go test -json ./...", "go.mod")
    );
    assert_eq!(
        detected(&[("package.json", r#"{"scripts": {"test": "jest"}}"#)]),
        d("npm test", "package.json")
    );
    for marker in [
        "pyproject.toml",
        "setup.cfg",
        "pytest.ini",
        "tox.ini",
        "setup.py",
    ] {
        assert_eq!(
            detected(&[(marker, "\n")]),
            d("python -m pytest -q", marker),
            "{marker}"
        );
    }
    assert_eq!(
        detected(&[(
            "Makefile",
            "CC := cc\n\n.PHONY: test\ntest: build\n\t./run-tests\n"
        )]),
        d("make test", "Makefile")
    );
    // Cargo wins over a Makefile that merely wraps it.
    assert_eq!(
        detected(&[
            ("Cargo.toml", "[package]\n"),
            ("Makefile", "test:\n\tcargo test\n")
        ]),
        d("cargo test", "Cargo.toml")
    );
}

#[test]
fn detection_skips_placeholders_and_finds_nothing_in_an_empty_repo() {
    // `npm init`'s placeholder script fails by design: not a test command.
    let placeholder = r#"{"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}"#;
    assert_eq!(detected(&[("package.json", placeholder)]), None);
    assert_eq!(detected(&[("package.json", r#"{"name": "x"}"#)]), None);
    assert_eq!(
        detected(&[("Makefile", "test := 1\nall:\n\techo hi\n")]),
        None
    );
    assert_eq!(detected(&[("README.md", "# hi\n")]), None);
    // A placeholder package.json falls through to the next marker.
    assert_eq!(
        detected(&[("package.json", placeholder), ("pytest.ini", "[pytest]\n")]).map(|g| g.0),
        Some("python -m pytest -q".to_string())
    );
}

#[test]
fn configured_command_wins_over_detection() {
    let r = TempRepo::with_files(&[("Cargo.toml", "[package]\n")]);
    assert_eq!(
        gate::choose(Some("make check"), "flag", r.path()),
        Some(GateCommand {
            command: "make check".into(),
            source: "flag".into()
        })
    );
    assert_eq!(
        gate::choose(Some("  "), "config", r.path())
            .unwrap()
            .command,
        "cargo test"
    );
    assert_eq!(
        gate::choose(None, "config", r.path()).unwrap().source,
        "detected from Cargo.toml"
    );
}

const PYTEST_Q_FAIL: &str = "\
..F.                                                                     [100%]
=================================== FAILURES ===================================
___________________________________ test_add ___________________________________

    def test_add():
>       assert add(1, 2) == 3
E       assert -1 == 3
E        +  where -1 = add(1, 2)

tests/test_calc.py:5: AssertionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_add - assert -1 == 3
1 failed, 3 passed in 0.03s
";

const PYTEST_V: &str = "\
============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.3.2, pluggy-1.5.0 -- /usr/bin/python
collecting ... collected 4 items

tests/test_calc.py::test_add FAILED                                      [ 25%]
tests/test_calc.py::test_sub PASSED                                      [ 50%]
tests/test_calc.py::test_mul[2-3-6] PASSED                               [ 75%]
tests/test_calc.py::test_div ERROR                                       [100%]

==================================== ERRORS ====================================
_________________________ ERROR at setup of test_div __________________________
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_add - assert -1 == 3
ERROR tests/test_calc.py::test_div - fixture 'zero' not found
==================== 1 failed, 2 passed, 1 error in 0.05s =====================
";

const PYTEST_COLLECTION_ERROR: &str = "\
==================================== ERRORS ====================================
_____________________ ERROR collecting tests/test_bad.py ______________________
ImportError while importing test module '/repo/tests/test_bad.py'.
E   ModuleNotFoundError: No module named 'calcx'
=========================== short test summary info ============================
ERROR tests/test_bad.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 0.05s
";

const CARGO_FAIL: &str = "\
   Compiling calc v0.1.0 (/tmp/calc)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.50s
     Running unittests src/lib.rs (target/debug/deps/calc-3f1b2c)

running 3 tests
test tests::adds ... FAILED
test tests::subs ... ok
test tests::slow ... ignored, needs a database

failures:

---- tests::adds stdout ----

thread 'tests::adds' panicked at src/lib.rs:10:9:
assertion `left == right` failed
  left: -1
 right: 3
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::adds

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/api.rs (target/debug/deps/api-9a8b7c)

running 2 tests
test round_trip ... ok
test parse_error ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

   Doc-tests calc

running 1 test
test src/lib.rs - add (line 3) ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.12s

error: test failed, to rerun pass `--lib`
";

const GO_FAIL: &str = "\
--- FAIL: TestAdd (0.00s)
    calc_test.go:8: Add(1, 2) = -1, want 3
--- FAIL: TestTable (0.00s)
    --- FAIL: TestTable/negative (0.00s)
        calc_test.go:20: got 1 want -1
    --- PASS: TestTable/positive (0.00s)
FAIL
FAIL\texample.com/calc\t0.002s
ok  \texample.com/calc/util\t0.001s
?   \texample.com/calc/cmd\t[no test files]
# example.com/calc/broken [example.com/calc/broken.test]
broken/broken.go:4:2: undefined: foo
FAIL\texample.com/calc/broken [build failed]
FAIL
";

const JEST_FAIL: &str = "\
 FAIL  src/sum.test.js
  sum
    \u{2713} adds zero (2 ms)
    \u{2715} adds 1 + 2 to equal 3 (4 ms)

  \u{25cf} sum \u{203a} adds 1 + 2 to equal 3

    expect(received).toBe(expected) // Object.is equality

    Expected: 3
    Received: -1

      3 | describe('sum', () => {
      4 |   test('adds 1 + 2 to equal 3', () => {
    > 5 |     expect(sum(1, 2)).toBe(3);
        |                       ^

      at Object.toBe (src/sum.test.js:5:23)

 PASS  src/other.test.js
  \u{25cf} Console

    console.log
      hello

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 3 passed, 4 total
Snapshots:   0 total
Time:        0.512 s
Ran all test suites.
";

const UNITTEST_FAIL: &str = "\
F.
======================================================================
FAIL: test_add (test_calc.TestCalc.test_add)
----------------------------------------------------------------------
Traceback (most recent call last):
  File \"/tmp/x/test_calc.py\", line 6, in test_add
    self.assertEqual(add(1, 2), 3)
AssertionError: -1 != 3

----------------------------------------------------------------------
Ran 2 tests in 0.000s

FAILED (failures=1)
";

#[test]
fn parses_pytest_output() {
    let p = parse_output(PYTEST_Q_FAIL);
    assert_eq!(p.failed, vec!["tests/test_calc.py::test_add"]);
    assert_eq!((p.failed_count, p.passed_count), (Some(1), Some(3)));

    let p = parse_output(PYTEST_V);
    assert_eq!(
        p.failed,
        vec![
            "tests/test_calc.py::test_add",
            "tests/test_calc.py::test_div"
        ]
    );
    assert_eq!(
        p.passed,
        vec![
            "tests/test_calc.py::test_sub",
            "tests/test_calc.py::test_mul[2-3-6]"
        ]
    );
    assert_eq!((p.failed_count, p.passed_count), (Some(2), Some(2)));

    let p = parse_output(PYTEST_COLLECTION_ERROR);
    assert_eq!(p.failed, vec!["tests/test_bad.py"]);
    assert_eq!((p.failed_count, p.passed_count), (Some(1), Some(0)));

    let p = parse_output(
        "....                                                                     [100%]\n4 passed in 0.01s\n",
    );
    assert!(p.failed.is_empty());
    assert_eq!(p.passed_count, Some(4));
}

#[test]
fn parses_cargo_test_output_across_binaries() {
    let p = parse_output(CARGO_FAIL);
    assert_eq!(p.failed, vec!["tests::adds"]);
    assert_eq!(
        p.passed,
        vec![
            "tests::subs",
            "round_trip",
            "parse_error",
            "src/lib.rs - add (line 3)"
        ]
    );
    assert_eq!((p.failed_count, p.passed_count), (Some(1), Some(4)));
    // ANSI colours (a runner that ignores NO_COLOR) do not hide the names.
    let coloured = "test tests::adds ... \x1b[31mFAILED\x1b[0m\ntest result: \x1b[31mFAILED\x1b[0m. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
    let p = parse_output(coloured);
    assert_eq!(p.failed, vec!["tests::adds"]);
    assert_eq!(p.failed_count, Some(1));
}

#[test]
fn parses_go_test_output() {
    let p = parse_output(GO_FAIL);
    assert_eq!(
        p.failed,
        vec![
            "TestAdd",
            "TestTable",
            "TestTable/negative",
            "package example.com/calc",
            "package example.com/calc/broken"
        ]
    );
    assert_eq!(
        p.passed,
        vec!["TestTable/positive", "package example.com/calc/util"]
    );
    // Counts are top-level tests only (go test prints no totals).
    assert_eq!((p.failed_count, p.passed_count), (Some(2), Some(0)));
}

#[test]
fn parses_jest_output() {
    let p = parse_output(JEST_FAIL);
    assert_eq!(
        p.failed,
        vec![
            "suite src/sum.test.js",
            "sum \u{203a} adds 1 + 2 to equal 3"
        ]
    );
    assert_eq!(p.passed, vec!["sum › adds zero", "suite src/other.test.js"]);
    assert_eq!((p.failed_count, p.passed_count), (Some(1), Some(3)));
}

#[test]
fn parses_unittest_output() {
    let p = parse_output(UNITTEST_FAIL);
    assert_eq!(p.failed, vec!["test_add (test_calc.TestCalc.test_add)"]);
    assert_eq!((p.failed_count, p.passed_count), (Some(1), Some(1)));
    let p = parse_output(
        "..\n----------------------------------------------------------------------\nRan 2 tests in 0.000s\n\nOK\n",
    );
    assert_eq!((p.failed_count, p.passed_count), (None, Some(2)));
}

fn run(success: bool, failed: &[&str], passed: Option<u64>) -> TestRun {
    TestRun {
        exit_code: Some(if success { 0 } else { 1 }),
        success,
        failed_tests: failed.iter().map(|s| s.to_string()).collect(),
        failed_count: Some(failed.len() as u64),
        passed_count: passed,
        ..Default::default()
    }
}

#[test]
fn verdict_table() {
    let timed_out = TestRun {
        timed_out: true,
        ..Default::default()
    };
    let no_names = run(false, &[], None);
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<TestRun>, TestRun, bool, &str)> = vec![
        ("after passes, no baseline", None, run(true, &[], Some(5)), true, "succeeded after the edits (5 passed)"),
        ("after passes, baseline failed", Some(run(false, &["a"], Some(4))), run(true, &[], Some(5)), true, "it failed before the edits"),
        ("after timed out", Some(run(false, &["a"], None)), timed_out, false, "timeout"),
        ("after fails, no baseline", None, run(false, &["a"], None), false, "no baseline"),
        ("edits broke a passing suite", Some(run(true, &[], Some(5))), run(false, &["b"], Some(4)), false, "broke tests that passed before: b"),
        ("fixed a, nothing new", Some(run(false, &["a", "c"], Some(3))), run(false, &["c"], Some(4)), true, "pass now (a)"),
        ("fixed a, broke b", Some(run(false, &["a"], Some(4))), run(false, &["b"], Some(4)), false, "fail now: b"),
        ("same failures", Some(run(false, &["a"], Some(4))), run(false, &["a"], Some(4)), false, "same tests fail"),
        ("fixed a by deleting passing tests", Some(run(false, &["a", "c"], Some(4))), run(false, &["c"], Some(2)), false, "fewer tests ran"),
        ("after names nothing", Some(run(false, &["a"], Some(4))), no_names.clone(), false, "names no failing test"),
        ("baseline named nothing", Some(no_names), run(false, &["a"], None), false, "without naming a test"),
    ];
    for (name, baseline, after, want, phrase) in cases {
        let (ok, why) = verdict(baseline.as_ref(), &after);
        assert_eq!(ok, want, "{name}: {why}");
        assert!(why.contains(phrase), "{name}: `{why}` lacks `{phrase}`");
        assert!(
            why.ends_with('.') && !why.contains('\n'),
            "{name}: one sentence: {why}"
        );
    }
    // A named target that still fails keeps the gate shut even when something else was fixed.
    let (ok, why) = verdict_with_targets(
        Some(&run(false, &["a", "target"], Some(3))),
        &run(false, &["target"], Some(4)),
        &["target".to_string()],
    );
    assert!(
        !ok && why.contains("target tests still fail: target"),
        "{why}"
    );
}

#[tokio::test]
async fn run_tests_records_exit_names_and_tail() {
    let r = TempRepo::with_files(&[(
        "fake_pytest.sh",
        "seq 1 5000\necho 'FAILED tests/test_calc.py::test_add - assert -1 == 3'\necho '1 failed, 3 passed in 0.03s'\nexit 1\n",
    )]);
    let t = gate::run_tests(r.path(), "sh fake_pytest.sh", Duration::from_secs(30)).await;
    assert!(!t.success && !t.timed_out);
    assert_eq!(t.exit_code, Some(1));
    assert_eq!(t.failed_tests, vec!["tests/test_calc.py::test_add"]);
    assert_eq!((t.failed_count, t.passed_count), (Some(1), Some(3)));
    assert!(
        t.output_tail.starts_with("[truncated: "),
        "{}",
        &t.output_tail[..60]
    );
    assert!(t.output_tail.ends_with("1 failed, 3 passed in 0.03s\n"));
    assert!(t.output_tail.chars().count() <= gate::TAIL_CHARS + 40);
}

/// The real Python unittest runner, when this machine has Python: real output, real parse.
#[tokio::test]
async fn run_tests_on_a_real_python_unittest_suite() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "python3 not installed: the real-runner check is covered by the fake runner test"
        );
        return;
    }
    let r = TempRepo::with_files(&[
        ("calc.py", "def add(a, b):\n    return a - b\n"),
        (
            "test_calc.py",
            "import unittest\nfrom calc import add\n\nclass TestCalc(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n    def test_zero(self):\n        self.assertEqual(add(0, 0), 0)\n",
        ),
    ]);
    let cmd = "python3 -m unittest -q";
    let before = gate::run_tests(r.path(), cmd, Duration::from_secs(60)).await;
    assert!(!before.success, "{}", before.output_tail);
    assert_eq!(before.failed_tests.len(), 1, "{}", before.output_tail);
    // Every result comes from the unittest hook, not from the text.
    assert_eq!(before.parser.as_deref(), Some("unittest-hook"));
    assert_eq!(before.failed_tests, vec!["test_calc.TestCalc.test_add"]);
    assert_eq!(before.passed_tests, vec!["test_calc.TestCalc.test_zero"]);
    assert_eq!(
        (before.failed_count, before.passed_count),
        (Some(1), Some(1))
    );
    r.write("calc.py", "def add(a, b):\n    return a + b\n");
    let after = gate::run_tests(r.path(), cmd, Duration::from_secs(60)).await;
    assert!(after.success, "{}", after.output_tail);
    assert_eq!(after.passed_count, Some(2));
    assert!(verdict(Some(&before), &after).0);
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose: it runs nothing and holds no resources but its slot.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
            !matches!(state, Some('Z') | Some('X'))
        }
        Err(_) => false,
    }
}

fn group_members(pgid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name: state ppid pgrp ...
        let rest: Vec<&str> = stat.rsplit(") ").next().unwrap_or("").split(' ').collect();
        if rest.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid) && alive(pid) {
            out.push(pid);
        }
    }
    out
}

#[tokio::test]
async fn a_command_that_times_out_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = run_shell(
        "echo $$ > shell.pid; sleep 1000 & echo $! > child.pid; sleep 1000",
        dir.path(),
        Duration::from_millis(700),
        4096,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "returned after {:?}",
        started.elapsed()
    );
    assert!(r.timed_out && r.exit_code.is_none() && !r.success());
    assert!(
        r.output.contains("[killed: the command ran longer than"),
        "{}",
        r.output
    );
    let read_pid = |f: &str| {
        std::fs::read_to_string(dir.path().join(f))
            .unwrap()
            .trim()
            .parse::<i32>()
            .unwrap()
    };
    let (shell, child) = (read_pid("shell.pid"), read_pid("child.pid"));
    // The shell led its own group; nothing of that group survives, the background child included.
    let deadline = Instant::now() + Duration::from_secs(3);
    while (alive(child) || !group_members(shell).is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(child),
        "background child {child} survived the timeout"
    );
    assert!(
        group_members(shell).is_empty(),
        "group {shell} still has {:?}",
        group_members(shell)
    );
    assert_ne!(shell, std::process::id() as i32);
}

#[tokio::test]
async fn background_leftovers_of_a_finished_command_are_killed() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = run_shell(
        "sleep 1000 & echo $! > child.pid; echo done",
        dir.path(),
        Duration::from_secs(30),
        4096,
    )
    .await;
    assert!(r.success(), "{}", r.output);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "waited {:?} for a straggler",
        started.elapsed()
    );
    let child: i32 = std::fs::read_to_string(dir.path().join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while alive(child) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(child));
}

#[tokio::test]
async fn the_test_command_environment_holds_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let base: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        ),
        ("HOME".into(), "/home/test".into()),
        (
            "OPENAI_API_KEY".into(),
            "sk-proj-aaaaaaaaaaaaaaaaaaaaaaaa".into(),
        ),
        (
            "ANTHROPIC_API_KEY".into(),
            "sk-ant-bbbbbbbbbbbbbbbbbbbbbbbb".into(),
        ),
        ("GITHUB_TOKEN".into(), "ghs_cccccccccccccccccccccccc".into()),
        (
            "INPUT_GITHUB-TOKEN".into(),
            "ghs_dddddddddddddddddddddddd".into(),
        ),
        (
            "INPUT_OPENROUTER-API-KEY".into(),
            "sk-or-v1-eeeeeeeeeeeeeeeeeeeeeeee".into(),
        ),
        (
            "ACTIONS_RUNTIME_TOKEN".into(),
            "runtime-ffffffffffffffff".into(),
        ),
        ("MY_SERVICE_PASSWORD".into(), "hunter2hunter2".into()),
    ];
    let opts = ShellOptions {
        base_env: Some(base),
        ..Default::default()
    };
    let r = run_shell_with("env", dir.path(), Duration::from_secs(10), 1 << 20, &opts).await;
    assert!(r.success(), "{}", r.output);
    let names: Vec<&str> = r
        .output
        .lines()
        .filter_map(|l| l.split('=').next())
        .collect();
    assert!(
        names.contains(&"HOME") && names.contains(&"PATH"),
        "{names:?}"
    );
    for secret in [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "INPUT_GITHUB-TOKEN",
        "INPUT_OPENROUTER-API-KEY",
        "ACTIONS_RUNTIME_TOKEN",
        "MY_SERVICE_PASSWORD",
    ] {
        assert!(
            !names.contains(&secret),
            "{secret} reached the test command"
        );
    }
    assert!(!r.output.contains("hunter2") && !r.output.contains("runtime-fff"));
    assert!(names.contains(&"CI"), "runners are told they run in CI");

    // The default path inherits this process's environment through the same filter.
    let r = run_shell("echo \"$PATH\"", dir.path(), Duration::from_secs(10), 4096).await;
    assert_eq!(r.output.trim(), std::env::var("PATH").unwrap_or_default());
}

#[tokio::test]
async fn output_is_redacted() {
    let dir = tempfile::tempdir().unwrap();
    octagit::secret::register("registered-secret-value-42");
    let r = run_shell(
        "echo registered-secret-value-42; echo ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        dir.path(),
        Duration::from_secs(10),
        4096,
    )
    .await;
    assert_eq!(r.output, "***\n***\n");
}

/// A daemon that escapes the process group (setsid) and keeps the output pipe open must not
/// hang the run: the output read so far comes back, with the doubt said.
#[tokio::test]
async fn a_process_that_leaves_the_group_cannot_hang_the_run() {
    if std::process::Command::new("setsid")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("setsid not installed: nothing can leave the group on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = run_shell(
        "echo before; setsid sleep 60 & echo $! > escaped.pid; sleep 0.5; echo after",
        dir.path(),
        Duration::from_secs(30),
        4096,
    )
    .await;
    let took = started.elapsed();
    if let Ok(pid) = std::fs::read_to_string(dir.path().join("escaped.pid"))
        && let Ok(pid) = pid.trim().parse::<i32>()
    {
        // SAFETY: signals the sleep this test started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(r.success(), "{}", r.output);
    assert!(r.output.starts_with("before\nafter\n"), "{}", r.output);
    assert!(
        r.output.contains("[output may be incomplete"),
        "{}",
        r.output
    );
}
