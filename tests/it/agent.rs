//! The agent loop end to end through the pipeline: scripted models on real temp git repos,
//! the repo's own test command as the gate.

use octagit::chain::Hop;
use octagit::config::Config;
use octagit::failure::FailureClass;
use octagit::pipeline::{self, Issue, RunOptions, RunOutcome};
use octagit::provider::ModelClient;
use octagit::provider::scripted::{Script, ScriptTurn};
use octagit::run_record::RunStatus;
use serde_json::json;

use crate::support::repo::TempRepo;

/// A repo whose test passes once `value.txt` says `fixed`.
fn buggy_repo() -> TempRepo {
    TempRepo::with_files(&[
        ("value.txt", "broken\n"),
        (
            "check.sh",
            "#!/bin/sh\ngrep -q fixed value.txt || { echo 'FAIL: value is not fixed'; exit 1; }\necho ok\n",
        ),
        (
            "src/lib.py",
            "def value():\n    return open('value.txt').read()\n",
        ),
    ])
}

fn turn(text: &str, calls: &[(&str, serde_json::Value)]) -> ScriptTurn {
    serde_json::from_value(json!({
        "text": text,
        "tool_calls": calls.iter().map(|(n, a)| json!({"name": n, "arguments": a})).collect::<Vec<_>>()
    }))
    .unwrap()
}

fn hop(name: &str, turns: Vec<ScriptTurn>) -> Hop {
    Hop::new(ModelClient::scripted(name, Script::new(turns)))
}

fn config() -> Config {
    Config {
        test_command: Some("sh check.sh".into()),
        max_turns: 10,
        ..Config::default()
    }
}

async fn run(repo: &TempRepo, cfg: Config, hops: Vec<Hop>) -> (RunOutcome, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        out_dir: Some(out.path().join("run")),
        hops: Some(hops),
        index_cache: Some(out.path().join("cache")),
        origin: "test".into(),
        ..Default::default()
    };
    let issue = Issue {
        number: Some(7),
        title: "value is broken".into(),
        body: "value.txt should say fixed".into(),
        url: None,
    };
    (pipeline::run(repo.path(), issue, cfg, opts).await, out)
}

fn assert_artefacts(o: &RunOutcome) {
    for f in [
        "run.json",
        "context-graph.json",
        "terrain.svg",
        "summary.md",
        "report.html",
    ] {
        assert!(o.dir.join(f).exists(), "{f} missing in {}", o.dir.display());
    }
    let rec = octagit::run_record::RunRecord::read(&o.dir).unwrap();
    assert!(rec.advice.is_some(), "advice missing");
}

fn fix_turn() -> ScriptTurn {
    turn(
        "",
        &[(
            "edit_file",
            json!({"path": "value.txt", "old_text": "broken", "new_text": "fixed"}),
        )],
    )
}

fn finish_turn() -> ScriptTurn {
    turn(
        "",
        &[("finish", json!({"summary": "value.txt now says fixed"}))],
    )
}

#[tokio::test]
async fn a_fix_that_passes_the_gate() {
    let repo = buggy_repo();
    let (o, _out) = run(
        &repo,
        config(),
        vec![hop(
            "a",
            vec![
                turn("look", &[("read_file", json!({"path": "value.txt"}))]),
                fix_turn(),
                finish_turn(),
            ],
        )],
    )
    .await;
    assert_eq!(
        o.record.status,
        RunStatus::Success,
        "{:?}",
        o.record.failure
    );
    assert_eq!(o.exit_code, 0);
    assert_eq!(
        repo.read("value.txt"),
        "fixed\n",
        "edits stay in the working tree"
    );
    assert!(!o.record.gate.baseline.as_ref().unwrap().success);
    assert!(o.record.gate.after.as_ref().unwrap().success);
    assert_eq!(o.record.files_edited, vec!["value.txt"]);
    assert!(o.record.files_explored.contains(&"value.txt".to_string()));
    assert!(o.record.diff.as_deref().unwrap().contains("+fixed"));
    assert!(o.dir.join("patch.diff").exists());
    assert!(o.dir.join("trajectory.jsonl").exists());
    assert_artefacts(&o);
    // The run directory is outside git's view: the diff holds only the fix.
    assert_eq!(o.record.diff_stat.as_ref().unwrap().files, 1);
}

#[tokio::test]
async fn a_claimed_fix_that_fails_the_gate_is_fed_back() {
    let repo = buggy_repo();
    let script = Script::new(vec![
        turn(
            "",
            &[(
                "edit_file",
                json!({"path": "src/lib.py", "old_text": "return", "new_text": "return  "}),
            )],
        ),
        finish_turn(),
        fix_turn(),
        finish_turn(),
    ]);
    let client = ModelClient::scripted("a", script);
    let (o, _out) = run(&repo, config(), vec![Hop::new(client.clone())]).await;
    assert_eq!(
        o.record.status,
        RunStatus::Success,
        "{:?}",
        o.record.failure
    );
    let traj = std::fs::read_to_string(o.dir.join("trajectory.jsonl")).unwrap();
    assert!(
        traj.contains("finish refused: the tests do not pass"),
        "{traj}"
    );
    assert_eq!(o.record.turns, 4);
}

#[tokio::test]
async fn repeated_hallucination_moves_to_the_next_hop_with_a_handoff() {
    let repo = buggy_repo();
    let bad = hop(
        "liar",
        vec![
            turn("", &[("summon_demon", json!({}))]),
            turn(
                "",
                &[(
                    "edit_file",
                    json!({"path": "nope.txt", "old_text": "a", "new_text": "b"}),
                )],
            ),
            turn("", &[("read_file", json!("{not json"))]),
            turn("", &[("read_file", json!({"path": "value.txt"}))]),
        ],
    );
    let good = hop("honest", vec![fix_turn(), finish_turn()]);
    let (o, _out) = run(&repo, config(), vec![bad, good]).await;
    assert_eq!(
        o.record.status,
        RunStatus::Success,
        "{:?}",
        o.record.failure
    );
    assert_eq!(o.record.handoffs.len(), 1);
    let h = &o.record.handoffs[0];
    assert_eq!(
        (h.from.as_str(), h.to.as_str()),
        ("scripted/liar", "scripted/honest")
    );
    assert!(h.reason.contains("hallucination"));
    let traj = std::fs::read_to_string(o.dir.join("trajectory.jsonl")).unwrap();
    assert!(traj.contains("\"handoff\""), "{traj}");
}

#[tokio::test]
async fn max_turns_leaves_the_artefacts() {
    let repo = buggy_repo();
    let mut cfg = config();
    cfg.max_turns = 2;
    let (o, _out) = run(
        &repo,
        cfg,
        vec![hop(
            "slow",
            vec![
                turn("", &[("list_dir", json!({}))]),
                turn("", &[("read_file", json!({"path": "value.txt"}))]),
                fix_turn(),
            ],
        )],
    )
    .await;
    assert_eq!(o.record.status, RunStatus::Failed);
    assert_eq!(o.record.failure_class(), Some(FailureClass::Limit));
    assert_eq!(o.exit_code, 1);
    assert_artefacts(&o);
    let graph = std::fs::read_to_string(o.dir.join("context-graph.json")).unwrap();
    assert!(graph.contains("explored"), "the map shows what was reached");
}

#[tokio::test]
async fn every_hop_failing_ends_with_the_hop_record_and_artefacts() {
    let repo = buggy_repo();
    let (o, _out) = run(
        &repo,
        config(),
        vec![
            hop("a", vec![ScriptTurn::Error { status: 429, body: r#"{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}"#.into() }]),
        ],
    )
    .await;
    assert_eq!(o.record.failure_class(), Some(FailureClass::Billing));
    assert_eq!(o.record.hops.len(), 1);
    assert_eq!(o.exit_code, 1);
    assert_artefacts(&o);
}

#[tokio::test]
async fn a_repo_without_tests_is_a_clear_config_error_with_artefacts() {
    let repo = TempRepo::with_files(&[("notes.txt", "hello\n")]);
    let cfg = Config::default();
    let (o, _out) = run(&repo, cfg, vec![hop("a", vec![])]).await;
    assert_eq!(o.record.failure_class(), Some(FailureClass::Config));
    assert!(
        o.record
            .failure
            .as_ref()
            .unwrap()
            .message
            .contains("no test command")
    );
    assert_eq!(o.exit_code, 2);
    assert_artefacts(&o);
}

#[test]
fn demo_runs_end_to_end() {
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
    assert!(stdout.contains("[DEMO]"), "{stdout}");
    assert!(stdout.contains("fixed"), "{stdout}");
    let rec = octagit::run_record::RunRecord::read(&run_dir).unwrap();
    assert!(rec.demo);
    assert_eq!(rec.status, RunStatus::Success);
    assert!(rec.diff.unwrap().contains("sorted(values)"));
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(summary.contains("DEMO"), "the summary is labelled");
}

fn fix_and_finish() -> Vec<Hop> {
    vec![hop("a", vec![fix_turn(), finish_turn()])]
}

#[tokio::test]
async fn a_test_run_that_rewrites_an_edited_file_every_time_fails_the_gate() {
    // The tests pass, then append a line the model never showed to the file it edited:
    // without the content pins that line would be committed.
    let repo = buggy_repo();
    let cfg = Config {
        test_command: Some("sh check.sh && echo 'import os  # injected' >> value.txt".into()),
        ..config()
    };
    let (o, _out) = run(&repo, cfg, fix_and_finish()).await;
    assert_ne!(o.record.status, RunStatus::Success);
    assert_eq!(o.record.gate.passed, Some(false));
    let verdict = o.record.gate.verdict.clone().unwrap_or_default();
    assert!(
        verdict.contains("rewrite files the agent edited (value.txt)"),
        "{verdict}"
    );
    assert_eq!(
        repo.read("value.txt"),
        "fixed\n",
        "the agent's content is back"
    );
    if let Some(sb) = &o.record.sandbox {
        assert_eq!(sb.restored, vec!["value.txt"]);
    }
    assert_artefacts(&o);
}

#[tokio::test]
async fn a_file_rewritten_once_is_restored_and_judged_again() {
    let repo = buggy_repo();
    let cfg = Config {
        test_command: Some(
            "sh check.sh && { [ -f .once ] || { touch .once; echo '# swapped' >> value.txt; }; }"
                .into(),
        ),
        ..config()
    };
    let (o, _out) = run(&repo, cfg, fix_and_finish()).await;
    assert_eq!(
        o.record.status,
        RunStatus::Success,
        "{:?} {:?}",
        o.record.failure,
        o.record.gate.verdict
    );
    let verdict = o.record.gate.verdict.clone().unwrap_or_default();
    assert!(
        verdict.contains("after restoring files the tests had rewritten (value.txt)"),
        "{verdict}"
    );
    assert_eq!(repo.read("value.txt"), "fixed\n");
    assert!(o.record.diff.as_deref().unwrap().contains("+fixed"));
    assert!(!o.record.diff.as_deref().unwrap().contains("swapped"));
    if o.record.sandbox.is_some() {
        let summary = std::fs::read_to_string(o.dir.join("summary.md")).unwrap();
        assert!(
            summary.contains("Put back to the agent's content"),
            "{summary}"
        );
    }
}
