//! The honest gate on real test runners: pytest (from the venv `.ci/run` makes), unittest,
//! cargo test and node's built-in runner. For each: deleting the failing tests, skipping
//! them, dropping a passing test next to a real fix, a real fix, a fix with a proven
//! regression test, a broken test command (exit 2 and not one request to the model server)
//! and a flaky baseline test. The scripted model replays the agent's turns; the runners,
//! the git repositories and the worktree of the proof are real.

use std::path::{Path, PathBuf};

use octagit::chain::Hop;
use octagit::config::Config;
use octagit::failure::FailureClass;
use octagit::pipeline::{self, Issue, RunOptions, RunOutcome};
use octagit::provider::ModelClient;
use octagit::provider::scripted::{Script, ScriptTurn};
use octagit::run_record::{RunRecord, RunStatus};
use serde_json::json;

use crate::support::mock_llm::MockLlm;
use crate::support::repo::TempRepo;

/// One edit the scripted model makes (`edit_file` arguments).
#[derive(Clone)]
struct Edit {
    path: &'static str,
    old: &'static str,
    new: &'static str,
}

/// A small buggy project for one runner: `add` subtracts, so two of four tests fail.
struct Lang {
    command: String,
    files: Vec<(&'static str, String)>,
    fix: Edit,
    /// Removes both failing tests.
    delete_failing: Vec<Edit>,
    /// Marks both failing tests skipped.
    skip_failing: Vec<Edit>,
    /// Changes both failing tests' expectations to what the bug returns.
    rewrite_failing: Vec<Edit>,
    /// Removes one passing test.
    drop_passing: Edit,
    /// Adds `large`, a test that fails on the original code.
    add_regression: Edit,
    failing: [&'static str; 2],
    regression: &'static str,
    /// A repo file with a test that fails on odd runs, counting in `state`.
    flaky_file: fn(&Path) -> (&'static str, String),
    flaky: &'static str,
    /// A test command that cannot run a single test here, with the files that make it so,
    /// and a phrase of the error line the advice must quote.
    broken: (String, Vec<(&'static str, &'static str)>, &'static str),
}

fn turn(calls: Vec<(&str, serde_json::Value)>) -> ScriptTurn {
    serde_json::from_value(json!({
        "text": "",
        "tool_calls": calls.iter().map(|(n, a)| json!({"name": n, "arguments": a})).collect::<Vec<_>>()
    }))
    .unwrap()
}

fn edit(e: &Edit) -> ScriptTurn {
    turn(vec![(
        "edit_file",
        json!({"path": e.path, "old_text": e.old, "new_text": e.new}),
    )])
}

fn finish() -> ScriptTurn {
    turn(vec![("finish", json!({"summary": "add() adds now"}))])
}

/// Finishes until the loop gives up on a model whose finish the gate keeps refusing.
fn finishes() -> Vec<ScriptTurn> {
    (0..4).map(|_| finish()).collect()
}

async fn drive(lang: &Lang, extra: &[(&str, String)], turns: Vec<ScriptTurn>) -> Driven {
    let mut files: Vec<(&str, String)> = lang.files.clone();
    files.extend(extra.iter().cloned());
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let repo = TempRepo::with_files(&refs);
    let out = tempfile::tempdir().unwrap();
    let cfg = Config {
        test_command: Some(lang.command.clone()),
        max_turns: 12,
        ..Config::default()
    };
    let opts = RunOptions {
        out_dir: Some(out.path().join("run")),
        hops: Some(vec![Hop::new(ModelClient::scripted(
            "scripted",
            Script::new(turns),
        ))]),
        index_cache: Some(out.path().join("cache")),
        origin: "test".into(),
        ..Default::default()
    };
    let issue = Issue {
        number: Some(3),
        title: "add() subtracts".into(),
        body: "add(1, 2) returns -1; it should return 3.".into(),
        url: None,
    };
    let outcome = pipeline::run(repo.path(), issue, cfg, opts).await;
    Driven {
        outcome,
        _repo: repo,
        _out: out,
    }
}

struct Driven {
    outcome: RunOutcome,
    _repo: TempRepo,
    _out: tempfile::TempDir,
}

impl Driven {
    fn record(&self) -> &RunRecord {
        &self.outcome.record
    }
    fn kinds(&self) -> Vec<String> {
        self.record()
            .gate
            .comparisons
            .iter()
            .map(|c| c.kind.clone())
            .collect()
    }
    fn transcript(&self) -> String {
        std::fs::read_to_string(self.outcome.dir.join("trajectory.jsonl")).unwrap_or_default()
    }
    fn summary(&self) -> String {
        std::fs::read_to_string(self.outcome.dir.join("summary.md")).unwrap_or_default()
    }
    fn why(&self) -> String {
        format!(
            "exit {} failure {:?}\nverdict {:?}\ncomparisons {:?}\nbaseline {:?}\nafter {:?}",
            self.outcome.exit_code,
            self.record().failure,
            self.record().gate.verdict,
            self.record().gate.comparisons,
            self.record()
                .gate
                .baseline
                .as_ref()
                .map(|b| (&b.parser, &b.tests, &b.output_tail)),
            self.record()
                .gate
                .after
                .as_ref()
                .map(|b| (&b.parser, &b.tests, &b.output_tail)),
        )
    }
}

/// A gate refusal as every weakening scenario must end: exit 1, class gate, the named
/// comparison in the record, the model's feedback and the advice.
fn assert_refused(d: &Driven, kind: &str, names: &[&str]) {
    let why = d.why();
    assert_eq!(d.outcome.exit_code, 1, "{why}");
    assert_eq!(d.record().gate.passed, Some(false), "{why}");
    assert_eq!(
        d.record().failure_class(),
        Some(FailureClass::Gate),
        "{why}"
    );
    assert!(d.kinds().iter().any(|k| k == kind), "{why}");
    let verdict = d.record().gate.verdict.clone().unwrap_or_default();
    let transcript = d.transcript();
    for n in names {
        assert!(verdict.contains(n), "verdict lacks {n}: {why}");
        assert!(
            transcript.contains(&format!("{kind}: ")) && transcript.contains(n),
            "the model was not told {kind} {n}"
        );
    }
    let advice = d.record().advice.clone().unwrap();
    assert!(
        advice.headline.starts_with("Tests were weakened"),
        "{advice:?}"
    );
    assert!(
        advice.next_step.contains("allow_test_changes"),
        "{advice:?}"
    );
}

async fn deleting_the_failing_tests_fails_the_gate(lang: Lang) {
    let mut turns: Vec<ScriptTurn> = lang.delete_failing.iter().map(edit).collect();
    turns.extend(finishes());
    let d = drive(&lang, &[], turns).await;
    assert_refused(&d, "missing", &lang.failing);
}

async fn skipping_the_failing_tests_fails_the_gate(lang: Lang) {
    let mut turns: Vec<ScriptTurn> = lang.skip_failing.iter().map(edit).collect();
    turns.extend(finishes());
    let d = drive(&lang, &[], turns).await;
    assert_refused(&d, "newly-skipped", &lang.failing);
}

async fn rewriting_the_failing_tests_to_pass_fails_the_gate(lang: Lang) {
    let mut turns: Vec<ScriptTurn> = lang.rewrite_failing.iter().map(edit).collect();
    turns.push(finish());
    let d = drive(&lang, &[], turns).await;
    let why = d.why();
    // The tests pass after the edits, but the proof run shows they pass on the original
    // code too: the tests changed, not the code.
    assert_eq!(d.outcome.exit_code, 1, "{why}");
    assert_eq!(
        d.record().failure_class(),
        Some(FailureClass::Gate),
        "{why}"
    );
    assert_eq!(d.kinds(), vec!["test-rewritten"], "{why}");
    let verdict = d.record().gate.verdict.clone().unwrap_or_default();
    for n in lang.failing {
        assert!(verdict.contains(n), "{why}");
    }
    let changes = d.record().gate.test_changes.clone().unwrap();
    assert!(changes.proofs.iter().all(|p| !p.proven), "{changes:?}");
    let advice = d.record().advice.clone().unwrap();
    assert!(
        advice.headline.starts_with("Tests were weakened"),
        "{advice:?}"
    );
}

async fn a_fix_that_drops_a_passing_test_fails_the_gate(lang: Lang) {
    let mut turns = vec![edit(&lang.fix), edit(&lang.drop_passing)];
    turns.extend(finishes());
    let d = drive(&lang, &[], turns).await;
    assert_refused(&d, "fewer-ran", &[]);
    assert!(d.kinds().iter().any(|k| k == "missing"), "{}", d.why());
}

async fn a_real_fix_passes(lang: Lang) {
    let d = drive(&lang, &[], vec![edit(&lang.fix), finish()]).await;
    let why = d.why();
    assert_eq!(d.outcome.exit_code, 0, "{why}");
    assert_eq!(d.record().status, RunStatus::Success, "{why}");
    assert!(d.record().gate.comparisons.is_empty(), "{why}");
    let health = d.record().gate.health.clone().unwrap();
    assert!(health.ran_tests, "{health:?}");
    let verdict = d.record().gate.verdict.clone().unwrap();
    for n in lang.failing {
        assert!(verdict.contains(n), "{verdict}");
    }
    // Both failing tests ran twice at baseline, with the same outcome: nothing flaky.
    assert!(d.record().gate.baseline_rerun.is_some() && d.record().gate.flaky.is_empty());
    assert!(
        d.record().gate.test_changes.is_none(),
        "no test was touched"
    );
}

async fn a_fix_with_a_regression_test_is_proven(lang: Lang) {
    let d = drive(
        &lang,
        &[],
        vec![edit(&lang.fix), edit(&lang.add_regression), finish()],
    )
    .await;
    let why = d.why();
    assert_eq!(d.outcome.exit_code, 0, "{why}");
    let changes = d.record().gate.test_changes.clone().expect("test changes");
    assert_eq!(changes.files, vec![lang.add_regression.path], "{changes:?}");
    assert!(
        changes.added.iter().any(|t| t.contains(lang.regression)),
        "{changes:?}"
    );
    let proof = changes
        .proofs
        .iter()
        .find(|p| p.test.contains(lang.regression))
        .unwrap_or_else(|| panic!("no proof for {}: {changes:?}", lang.regression));
    assert!(proof.proven, "{proof:?} {changes:?}");
    let summary = d.summary();
    assert!(
        summary.contains("regression test proven: fails before, passes after"),
        "{summary}"
    );
    // The PR body lists the test file, the added test and the proof.
    let target = octagit::publish::PublishTarget {
        api_url: "http://127.0.0.1:9".into(),
        server_url: "http://127.0.0.1:9".into(),
        repo_slug: "o/calc".into(),
        token: octagit::secret::Secret::new("t".to_string()),
        remote_url: None,
        base_branch: "main".into(),
        issue_number: 3,
        issue_title: "add() subtracts".into(),
        draft: true,
        branch_prefix: "octagit/".into(),
        wip_suffix: "-wip".into(),
    };
    let body = octagit::publish::pr_body(d.record(), &target, &[]);
    assert!(
        body.contains(&format!(
            "Test files changed: `{}`",
            lang.add_regression.path
        )) && body.contains("Tests added: `")
            && body.contains(": regression test proven: fails before, passes after"),
        "{body}"
    );
    // The proof worktree is gone, from disk and from git's list.
    let list = d._repo.git(&["worktree", "list"]);
    assert_eq!(list.lines().count(), 1, "{list}");
}

async fn a_broken_test_command_stops_before_any_model_request(lang: Lang) {
    let (command, files, phrase) = &lang.broken;
    let mut all: Vec<(&str, &str)> = lang.files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    all.extend(files.iter().cloned());
    let repo = TempRepo::with_files(&all);
    let mock = MockLlm::start().await;
    let home = tempfile::tempdir().unwrap();
    let run_dir = home.path().join("run");
    let base = mock.openai_base_url();
    let (repo_path, cmd, dir) = (repo.path().to_path_buf(), command.clone(), run_dir.clone());
    let home_path = home.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("octagit")
            .unwrap()
            .env("HOME", &home_path)
            .env("XDG_CACHE_HOME", home_path.join("cache"))
            .env("OCTAGIT_OFFLINE", "1")
            .env("OPENAI_API_KEY", "sk-test-gate-0000000000000000")
            .env("OPENAI_BASE_URL", base)
            // The audit is on: its probes must not run either.
            .args(["run", "--fallback-chain", "openai/gpt-4o-mini"])
            .args(["--issue", "add() subtracts\n\nadd(1, 2) returns -1."])
            .arg("--test-command")
            .arg(&cmd)
            .arg("--repo")
            .arg(&repo_path)
            .arg("--out")
            .arg(&dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        mock.all_requests().await.is_empty(),
        "the model server was called"
    );
    let rec = RunRecord::read(&run_dir).unwrap();
    assert_eq!(rec.failure_class(), Some(FailureClass::Config), "{rec:?}");
    assert_eq!(rec.turns, 0);
    let health = rec.gate.health.clone().unwrap();
    assert!(!health.ran_tests, "{health:?}");
    let line = health.error_line.clone().unwrap_or_default();
    assert!(line.contains(phrase), "{health:?}");
    let advice = rec.advice.clone().unwrap();
    assert_eq!(
        advice.headline,
        "The test command could not run a single test"
    );
    assert!(
        advice.body.contains(&line.replace('`', "'")),
        "the advice quotes the error line: {advice:?}"
    );
    assert!(
        advice.next_step.contains("test_command")
            && advice.next_step.contains(".github/octagit.yml"),
        "{advice:?}"
    );
    assert!(
        !rec.stages.iter().any(|s| s.name == "agent"),
        "{:?}",
        rec.stages
    );
}

async fn a_flaky_baseline_test_is_left_out(lang: Lang) {
    // Relative, so it lands in the workspace: the sandbox gives tests a private /tmp and a
    // read-only rest of the machine, where a counter file could not live.
    let (path, text) = (lang.flaky_file)(Path::new(".flaky-count"));
    let d = drive(&lang, &[(path, text)], vec![edit(&lang.fix), finish()]).await;
    let why = d.why();
    assert_eq!(d.outcome.exit_code, 0, "{why}");
    let flaky = &d.record().gate.flaky;
    assert_eq!(flaky.len(), 1, "{flaky:?} {why}");
    assert!(flaky[0].contains(lang.flaky), "{flaky:?}");
    assert!(
        d.record()
            .gate
            .verdict
            .as_deref()
            .unwrap_or("")
            .contains("flaky and left out"),
        "{why}"
    );
    assert!(d.summary().contains("Flaky at baseline"), "{}", d.summary());
}

/// Whether a runner is here; without it the test is skipped with the reason printed,
/// except in CI, where every runner must be installed (`.ci/run` does that).
fn present(runner: &str, ok: bool) -> bool {
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{runner} is required when CI is set (.ci/run installs it)"
        );
        eprintln!("skipped: {runner} is not installed on this machine");
    }
    ok
}

fn works(cmd: &str, args: &[&str]) -> bool {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The python `.ci/run` names (a venv outside the clone, which the sandbox can see), else
/// the venv under target/, else a python3 that has pytest.
fn pytest_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OCTAGIT_PYTEST_PYTHON").map(PathBuf::from)
        && works(p.to_str()?, &["-m", "pytest", "--version"])
    {
        return Some(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    if venv.exists() && works(venv.to_str()?, &["-m", "pytest", "--version"]) {
        return Some(venv);
    }
    works("python3", &["-m", "pytest", "--version"]).then(|| PathBuf::from("python3"))
}

const PY_CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n";
const PY_FIX: Edit = Edit {
    path: "calc.py",
    old: "return a - b",
    new: "return a + b",
};
const PY_IGNORE: &str = "__pycache__/\n.pytest_cache/\n";

fn python_flaky(state: &Path, unittest: bool) -> String {
    let body = format!(
        "    path = {state:?}\n    n = int(open(path).read()) if os.path.exists(path) else 0\n    open(path, 'w').write(str(n + 1))\n    assert n % 2 == 1\n"
    );
    if unittest {
        format!(
            "import os\nimport unittest\n\n\nclass TestFlaky(unittest.TestCase):\n    def test_wobbly(self):\n{}",
            body.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        )
    } else {
        format!("import os\n\n\ndef test_wobbly():\n{body}")
    }
}

fn unittest() -> Option<Lang> {
    if !present("python3", works("python3", &["--version"])) {
        return None;
    }
    const TESTS: &str = "import unittest\n\nfrom calc import add, mul\n\n\nclass TestCalc(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n    def test_add_negative(self):\n        self.assertEqual(add(-1, -1), -2)\n\n    def test_mul(self):\n        self.assertEqual(mul(2, 3), 6)\n\n    def test_mul_zero(self):\n        self.assertEqual(mul(5, 0), 0)\n";
    Some(Lang {
        command: "python3 -m unittest -q".into(),
        files: vec![
            ("calc.py", PY_CALC.into()),
            ("tests/__init__.py", String::new()),
            ("tests/test_calc.py", TESTS.into()),
            (".gitignore", PY_IGNORE.into()),
        ],
        fix: PY_FIX,
        delete_failing: vec![Edit {
            path: "tests/test_calc.py",
            old: "    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n    def test_add_negative(self):\n        self.assertEqual(add(-1, -1), -2)\n\n",
            new: "",
        }],
        skip_failing: vec![
            Edit {
                path: "tests/test_calc.py",
                old: "    def test_add(self):",
                new: "    @unittest.skip(\"flaky\")\n    def test_add(self):",
            },
            Edit {
                path: "tests/test_calc.py",
                old: "    def test_add_negative(self):",
                new: "    @unittest.skip(\"flaky\")\n    def test_add_negative(self):",
            },
        ],
        rewrite_failing: vec![
            Edit {
                path: "tests/test_calc.py",
                old: "self.assertEqual(add(1, 2), 3)",
                new: "self.assertEqual(add(1, 2), -1)",
            },
            Edit {
                path: "tests/test_calc.py",
                old: "self.assertEqual(add(-1, -1), -2)",
                new: "self.assertEqual(add(-1, -1), 0)",
            },
        ],
        drop_passing: Edit {
            path: "tests/test_calc.py",
            old: "\n    def test_mul_zero(self):\n        self.assertEqual(mul(5, 0), 0)\n",
            new: "",
        },
        add_regression: Edit {
            path: "tests/test_calc.py",
            old: "    def test_mul(self):",
            new: "    def test_add_large(self):\n        self.assertEqual(add(100, 23), 123)\n\n    def test_mul(self):",
        },
        failing: ["TestCalc.test_add", "TestCalc.test_add_negative"],
        regression: "test_add_large",
        flaky_file: |state| ("tests/test_flaky.py", python_flaky(state, true)),
        flaky: "TestFlaky.test_wobbly",
        broken: (
            "python3 -m unittest tests.test_missing_module".into(),
            vec![],
            "No module named 'tests.test_missing_module'",
        ),
    })
}

fn pytest() -> Option<Lang> {
    let python = pytest_python();
    if !present("pytest", python.is_some()) {
        return None;
    }
    let python = python?.display().to_string();
    const TESTS: &str = "from calc import add, mul\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_add_negative():\n    assert add(-1, -1) == -2\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n\n\ndef test_mul_zero():\n    assert mul(5, 0) == 0\n";
    Some(Lang {
        command: format!("{python} -m pytest -q -p no:cacheprovider"),
        files: vec![
            ("calc.py", PY_CALC.into()),
            ("tests/test_calc.py", TESTS.into()),
            (".gitignore", PY_IGNORE.into()),
        ],
        fix: PY_FIX,
        delete_failing: vec![Edit {
            path: "tests/test_calc.py",
            old: "def test_add():\n    assert add(1, 2) == 3\n\n\ndef test_add_negative():\n    assert add(-1, -1) == -2\n\n\n",
            new: "",
        }],
        skip_failing: vec![
            Edit {
                path: "tests/test_calc.py",
                old: "from calc import add, mul\n",
                new: "import pytest\n\nfrom calc import add, mul\n",
            },
            Edit {
                path: "tests/test_calc.py",
                old: "def test_add():",
                new: "@pytest.mark.skip(reason=\"flaky\")\ndef test_add():",
            },
            Edit {
                path: "tests/test_calc.py",
                old: "def test_add_negative():",
                new: "@pytest.mark.skip(reason=\"flaky\")\ndef test_add_negative():",
            },
        ],
        rewrite_failing: vec![
            Edit {
                path: "tests/test_calc.py",
                old: "assert add(1, 2) == 3",
                new: "assert add(1, 2) == -1",
            },
            Edit {
                path: "tests/test_calc.py",
                old: "assert add(-1, -1) == -2",
                new: "assert add(-1, -1) == 0",
            },
        ],
        drop_passing: Edit {
            path: "tests/test_calc.py",
            old: "\n\ndef test_mul_zero():\n    assert mul(5, 0) == 0\n",
            new: "\n",
        },
        add_regression: Edit {
            path: "tests/test_calc.py",
            old: "def test_mul():",
            new: "def test_add_large():\n    assert add(100, 23) == 123\n\n\ndef test_mul():",
        },
        failing: [
            "tests/test_calc.py::test_add",
            "tests/test_calc.py::test_add_negative",
        ],
        regression: "tests/test_calc.py::test_add_large",
        flaky_file: |state| ("tests/test_flaky.py", python_flaky(state, false)),
        flaky: "tests/test_flaky.py::test_wobbly",
        // A config the installed pytest refuses (exit 4), as a mis-versioned install does.
        broken: (
            format!("{python} -m pytest -q"),
            vec![("pytest.ini", "[pytest]\nminversion = 99\n")],
            "minversion",
        ),
    })
}

fn cargo() -> Option<Lang> {
    if !present("cargo", works("cargo", &["--version"])) {
        return None;
    }
    const TESTS: &str = "use calc::{add, mul};\n\n#[test]\nfn adds() {\n    assert_eq!(add(1, 2), 3);\n}\n\n#[test]\nfn adds_negative() {\n    assert_eq!(add(-1, -1), -2);\n}\n\n#[test]\nfn muls() {\n    assert_eq!(mul(2, 3), 6);\n}\n\n#[test]\nfn muls_zero() {\n    assert_eq!(mul(5, 0), 0);\n}\n";
    Some(Lang {
        command: "cargo test --offline --no-fail-fast".into(),
        files: vec![
            (
                "Cargo.toml",
                "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n".into(),
            ),
            (
                "src/lib.rs",
                "pub fn add(a: i64, b: i64) -> i64 {\n    a - b\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n".into(),
            ),
            ("tests/calc.rs", TESTS.into()),
            (".gitignore", "target/\n".into()),
        ],
        fix: Edit {
            path: "src/lib.rs",
            old: "    a - b",
            new: "    a + b",
        },
        delete_failing: vec![Edit {
            path: "tests/calc.rs",
            old: "#[test]\nfn adds() {\n    assert_eq!(add(1, 2), 3);\n}\n\n#[test]\nfn adds_negative() {\n    assert_eq!(add(-1, -1), -2);\n}\n\n",
            new: "",
        }],
        skip_failing: vec![
            Edit {
                path: "tests/calc.rs",
                old: "#[test]\nfn adds() {",
                new: "#[test]\n#[ignore = \"flaky\"]\nfn adds() {",
            },
            Edit {
                path: "tests/calc.rs",
                old: "#[test]\nfn adds_negative() {",
                new: "#[test]\n#[ignore = \"flaky\"]\nfn adds_negative() {",
            },
        ],
        rewrite_failing: vec![
            Edit {
                path: "tests/calc.rs",
                old: "assert_eq!(add(1, 2), 3);",
                new: "assert_eq!(add(1, 2), -1);",
            },
            Edit {
                path: "tests/calc.rs",
                old: "assert_eq!(add(-1, -1), -2);",
                new: "assert_eq!(add(-1, -1), 0);",
            },
        ],
        drop_passing: Edit {
            path: "tests/calc.rs",
            old: "\n#[test]\nfn muls_zero() {\n    assert_eq!(mul(5, 0), 0);\n}\n",
            new: "",
        },
        add_regression: Edit {
            path: "tests/calc.rs",
            old: "#[test]\nfn muls() {",
            new: "#[test]\nfn adds_large() {\n    assert_eq!(add(100, 23), 123);\n}\n\n#[test]\nfn muls() {",
        },
        failing: ["adds", "adds_negative"],
        regression: "adds_large",
        flaky_file: |state| {
            (
                "tests/flaky.rs",
                format!(
                    "#[test]\nfn wobbly() {{\n    let path = {state:?};\n    let n: u32 = std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);\n    std::fs::write(path, (n + 1).to_string()).unwrap();\n    assert_eq!(n % 2, 1);\n}}\n"
                ),
            )
        },
        flaky: "wobbly",
        broken: (
            "cargo test --offline --manifest-path crates/calc/Cargo.toml".into(),
            vec![],
            "does not exist",
        ),
    })
}

fn node() -> Option<Lang> {
    if !present("node", works("node", &["--version"])) {
        return None;
    }
    const TESTS: &str = "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add, mul } = require('../calc');\n\ntest('adds', () => {\n  assert.strictEqual(add(1, 2), 3);\n});\n\ntest('adds negative', () => {\n  assert.strictEqual(add(-1, -1), -2);\n});\n\ntest('muls', () => {\n  assert.strictEqual(mul(2, 3), 6);\n});\n\ntest('muls zero', () => {\n  assert.strictEqual(mul(5, 0), 0);\n});\n";
    Some(Lang {
        // Node 20 prints TAP when its output is not a terminal; say so for newer nodes.
        command: "node --test --test-reporter=tap".into(),
        files: vec![
            (
                "calc.js",
                "exports.add = (a, b) => a - b;\nexports.mul = (a, b) => a * b;\n".into(),
            ),
            ("test/calc.test.js", TESTS.into()),
        ],
        fix: Edit {
            path: "calc.js",
            old: "a - b",
            new: "a + b",
        },
        delete_failing: vec![Edit {
            path: "test/calc.test.js",
            old: "test('adds', () => {\n  assert.strictEqual(add(1, 2), 3);\n});\n\ntest('adds negative', () => {\n  assert.strictEqual(add(-1, -1), -2);\n});\n\n",
            new: "",
        }],
        skip_failing: vec![
            Edit {
                path: "test/calc.test.js",
                old: "test('adds', () => {",
                new: "test('adds', { skip: 'flaky' }, () => {",
            },
            Edit {
                path: "test/calc.test.js",
                old: "test('adds negative', () => {",
                new: "test('adds negative', { skip: 'flaky' }, () => {",
            },
        ],
        rewrite_failing: vec![
            Edit {
                path: "test/calc.test.js",
                old: "assert.strictEqual(add(1, 2), 3);",
                new: "assert.strictEqual(add(1, 2), -1);",
            },
            Edit {
                path: "test/calc.test.js",
                old: "assert.strictEqual(add(-1, -1), -2);",
                new: "assert.strictEqual(add(-1, -1), 0);",
            },
        ],
        drop_passing: Edit {
            path: "test/calc.test.js",
            old: "\ntest('muls zero', () => {\n  assert.strictEqual(mul(5, 0), 0);\n});\n",
            new: "",
        },
        add_regression: Edit {
            path: "test/calc.test.js",
            old: "test('muls', () => {",
            new: "test('adds large', () => {\n  assert.strictEqual(add(100, 23), 123);\n});\n\ntest('muls', () => {",
        },
        failing: ["adds", "adds negative"],
        regression: "adds large",
        flaky_file: |state| {
            (
                "test/flaky.test.js",
                format!(
                    "const test = require('node:test');\nconst assert = require('node:assert');\nconst fs = require('node:fs');\n\ntest('wobbly', () => {{\n  const path = {state:?};\n  const n = fs.existsSync(path) ? Number(fs.readFileSync(path, 'utf8')) : 0;\n  fs.writeFileSync(path, String(n + 1));\n  assert.strictEqual(n % 2, 1);\n}});\n"
                ),
            )
        },
        flaky: "wobbly",
        // The script is called `tests`, the command asks for `test`.
        broken: (
            "npm test".into(),
            vec![(
                "package.json",
                "{\"name\": \"calc\", \"version\": \"1.0.0\", \"scripts\": {\"tests\": \"node --test\"}}\n",
            )],
            "Missing script",
        ),
    })
}

macro_rules! runner {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn deleting_the_failing_tests_fails_the_gate() {
                if let Some(l) = super::$name() {
                    super::deleting_the_failing_tests_fails_the_gate(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn skipping_the_failing_tests_fails_the_gate() {
                if let Some(l) = super::$name() {
                    super::skipping_the_failing_tests_fails_the_gate(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn rewriting_the_failing_tests_to_pass_fails_the_gate() {
                if let Some(l) = super::$name() {
                    super::rewriting_the_failing_tests_to_pass_fails_the_gate(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_fix_that_drops_a_passing_test_fails_the_gate() {
                if let Some(l) = super::$name() {
                    super::a_fix_that_drops_a_passing_test_fails_the_gate(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_real_fix_passes() {
                if let Some(l) = super::$name() {
                    super::a_real_fix_passes(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_fix_with_a_regression_test_is_proven() {
                if let Some(l) = super::$name() {
                    super::a_fix_with_a_regression_test_is_proven(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_broken_test_command_stops_before_any_model_request() {
                if let Some(l) = super::$name() {
                    super::a_broken_test_command_stops_before_any_model_request(l).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_flaky_baseline_test_is_left_out() {
                if let Some(l) = super::$name() {
                    super::a_flaky_baseline_test_is_left_out(l).await;
                }
            }
        }
    };
}

runner!(unittest);
runner!(pytest);
runner!(cargo);
runner!(node);

/// The bundled demo adds a regression test; its output shows the proof.
#[test]
fn the_demo_shows_its_regression_test_proven() {
    if !present("python3", works("python3", &["--version"])) {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("demo-run");
    let assert = assert_cmd::Command::cargo_bin("octagit")
        .unwrap()
        .args(["demo", "--out"])
        .arg(&run_dir)
        .env("XDG_CACHE_HOME", out.path().join("cache"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let line = "`test_stats.StatsTest.test_median_of_reversed_input`: regression test proven: fails before, passes after";
    assert!(stdout.contains(line), "{stdout}");
    let rec = RunRecord::read(&run_dir).unwrap();
    let changes = rec.gate.test_changes.unwrap();
    assert_eq!(changes.files, vec!["tests/test_stats.py"]);
    assert_eq!(
        changes.added,
        vec!["test_stats.StatsTest.test_median_of_reversed_input"]
    );
    // Only the agent's test is listed: the existing tests did not change.
    assert_eq!(changes.proofs.len(), 1, "{:?}", changes.proofs);
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(summary.contains(line), "{summary}");
}
