//! The advisor and the reports: snapshot tests of the job summary per outcome, the 1 MiB
//! guarantee, secrets planted in error bodies, the advisor against the mock LLM server and
//! a scripted model, `octagit report` end to end, and report.html in headless Chromium.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use octagit::advisor;
use octagit::failure::FailureClass;
use octagit::provider::scripted::{Script, ScriptTurn};
use octagit::provider::{ModelClient, ProviderEnv};
use octagit::report::{self, RunArtefacts};
use octagit::run_record::*;
use serde_json::json;

use crate::support::browser;
use crate::support::mock_llm::{Endpoint, MockLlm, Reply};

// ---------------------------------------------------------------------------------------
// Hand-built run records (fixed timestamps, so snapshots are stable)

fn t(sec: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(sec)
}

const HEATMAP: &str = concat!(
    "  ..::--==++**##%%@@%%##**++==--::..      ..::--==++**##%%@@%%##**++\n",
    " ..::--==++**#X%%@@%%##**++==--::..      ..::--==++*o##%%@@%%##**++=\n",
    "  ..::--==++**##%%@@%%##**++==--::..      ..::--==++**##%%@@%%##**++\n",
    "legend: ' .:-=+*#%@' low→high symbol density · o explored · X edited"
);

/// Built from JSON so audit fields added later (all defaulted) do not break the fixtures.
fn candidate(v: serde_json::Value) -> AuditCandidate {
    serde_json::from_value(v).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn hop(
    i: usize,
    at: i64,
    model: &str,
    class: Option<FailureClass>,
    status: Option<u16>,
    error: Option<&str>,
    tokens: (u64, u64),
    cost: f64,
    action: &str,
) -> HopAttempt {
    HopAttempt {
        hop: i,
        model: model.into(),
        provider: model.split('/').next().unwrap().into(),
        at: t(at),
        class,
        status,
        error: error.map(str::to_string),
        latency_ms: 800 + 37 * at as u64 % 900,
        tokens_in: tokens.0,
        tokens_out: tokens.1,
        cost_usd: cost,
        action: action.into(),
        ..Default::default()
    }
}

fn test_run(success: bool, passed: &[&str], failed: &[&str], tail: &str, ms: u64) -> TestRun {
    TestRun {
        exit_code: Some(if success { 0 } else { 1 }),
        success,
        timed_out: false,
        duration_ms: ms,
        failed_tests: failed.iter().map(|s| s.to_string()).collect(),
        passed_tests: passed.iter().map(|s| s.to_string()).collect(),
        passed_count: Some(40 + passed.len() as u64),
        failed_count: Some(failed.len() as u64),
        output_tail: tail.into(),
        ..Default::default()
    }
}

const DIFF: &str = "\
diff --git a/src/widgets/lines.py b/src/widgets/lines.py
index 3f2a1c0..8b9d4e2 100644
--- a/src/widgets/lines.py
+++ b/src/widgets/lines.py
@@ -12,7 +12,9 @@ def split_lines(text):
     lines = []
     start = 0
     for i, ch in enumerate(text):
         if ch == \"\\n\":
             lines.append(text[start:i])
             start = i + 1
-    return lines
+    if start < len(text):
+        lines.append(text[start:])
+    return lines
";

fn base() -> RunRecord {
    let mut r = RunRecord::new(
        "run-20250301-120000",
        TaskInfo {
            repo_path: "/github/workspace".into(),
            repo_slug: Some("acme/widgets".into()),
            issue_number: Some(42),
            issue_title: "split_lines drops the last line when there is no trailing newline".into(),
            issue_url: Some("https://github.com/acme/widgets/issues/42".into()),
            base_branch: Some("main".into()),
            origin: "action".into(),
        },
        false,
    );
    r.started_at = t(0);
    r.finished_at = Some(t(312));
    r.stages = vec![
        StageRecord {
            name: "index".into(),
            status: StageStatus::Ok,
            duration_ms: 1_240,
            note: None,
        },
        StageRecord {
            name: "audit".into(),
            status: StageStatus::Ok,
            duration_ms: 2_310,
            note: None,
        },
    ];
    r.index = Some(IndexSummary {
        files: 214,
        parsed: 180,
        cached: 30,
        skipped: 4,
        symbols: 1_930,
        duration_ms: 1_240,
        ranked: vec![
            RankedEntry {
                path: "src/widgets/lines.py".into(),
                score: 0.91,
                reason: "defines split_lines".into(),
            },
            RankedEntry {
                path: "tests/test_lines.py".into(),
                score: 0.74,
                reason: "tests split_lines".into(),
            },
            RankedEntry {
                path: "src/widgets/text.py".into(),
                score: 0.33,
                reason: "calls split_lines".into(),
            },
        ],
        heatmap: Some(HEATMAP.into()),
    });
    r.audit = Some(AuditReport {
        candidates: vec![
            candidate(json!({
                "slug": "anthropic/claude-sonnet-4-5", "provider": "anthropic", "reachable": true,
                "class": null, "reason": null, "input_per_mtok": 3.0, "output_per_mtok": 15.0,
                "price_source": "live", "context_window": 200000, "fits": true, "supports_tools": true,
                "tpm_limit": 80000, "tpm_remaining": 79000, "rpm_limit": 50, "rpm_remaining": 49,
                "est_run_cost_usd": 0.41, "probe_ms": 312, "viable": true
            })),
            candidate(json!({
                "slug": "openai/gpt-4o-mini", "provider": "openai", "reachable": true,
                "class": null, "reason": null, "input_per_mtok": 0.15, "output_per_mtok": 0.6,
                "price_source": "cache", "context_window": 128000, "fits": true, "supports_tools": true,
                "tpm_limit": 200000, "tpm_remaining": 200000, "rpm_limit": 500, "rpm_remaining": 499,
                "est_run_cost_usd": 0.02, "probe_ms": 205, "viable": true
            })),
            candidate(json!({
                "slug": "openrouter/qwen/qwen-2.5-coder-32b-instruct", "provider": "openrouter", "reachable": true,
                "class": null, "reason": null, "input_per_mtok": 0.07, "output_per_mtok": 0.16,
                "price_source": "live", "context_window": 32768, "fits": true, "supports_tools": true,
                "tpm_limit": null, "tpm_remaining": null, "rpm_limit": null, "rpm_remaining": null,
                "est_run_cost_usd": 0.01, "probe_ms": 480, "viable": true
            })),
        ],
        chain: vec![
            "anthropic/claude-sonnet-4-5".into(),
            "openai/gpt-4o-mini".into(),
            "openrouter/qwen/qwen-2.5-coder-32b-instruct".into(),
        ],
        prompt_tokens: 9_120,
        prompt_tokens_method: "anthropic count_tokens".into(),
        risk_note: "All three hops fit the prompt; the Anthropic hop is the strongest and the most expensive.".into(),
        risk_note_author: "built-in".into(),
        duration_ms: 2_310,
        ..Default::default()
    });
    r.gate.command = Some("pytest -q".into());
    r.gate.source = Some("detected from pyproject.toml".into());
    r.gate.baseline = Some(test_run(
        false,
        &[],
        &["tests/test_lines.py::test_no_trailing_newline"],
        "F.........................................\nFAILED tests/test_lines.py::test_no_trailing_newline - AssertionError: ['a'] != ['a', 'b']\n1 failed, 41 passed in 0.42s\n",
        2_150,
    ));
    r.files_explored = vec![
        "src/widgets/lines.py".into(),
        "tests/test_lines.py".into(),
        "src/widgets/text.py".into(),
        "README.md".into(),
    ];
    r.artefacts = [
        "run.json",
        "trajectory.jsonl",
        "context-graph.json",
        "terrain.svg",
        "patch.diff",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    r
}

fn stage(r: &mut RunRecord, name: &str, status: StageStatus, ms: u64) {
    r.stages.push(StageRecord {
        name: name.into(),
        status,
        duration_ms: ms,
        note: None,
    });
}

fn success_record() -> RunRecord {
    let mut r = base();
    r.status = RunStatus::Success;
    stage(&mut r, "agent", StageStatus::Ok, 41_200);
    stage(&mut r, "gate", StageStatus::Ok, 2_200);
    stage(&mut r, "publish", StageStatus::Ok, 1_900);
    r.hops = (0..4)
        .map(|i| {
            hop(
                0,
                10 + i * 9,
                "anthropic/claude-sonnet-4-5",
                None,
                Some(200),
                None,
                (4_100 + i as u64 * 900, 310),
                0.0170,
                "",
            )
        })
        .collect();
    r.turns = 4;
    r.tokens_in = r.hops.iter().map(|h| h.tokens_in).sum();
    r.tokens_out = r.hops.iter().map(|h| h.tokens_out).sum();
    r.cost_usd = r.hops.iter().map(|h| h.cost_usd).sum();
    r.gate.after = Some(test_run(
        true,
        &["tests/test_lines.py::test_no_trailing_newline"],
        &[],
        "..........................................\n42 passed in 0.40s\n",
        2_080,
    ));
    r.gate.passed = Some(true);
    r.gate.verdict =
        Some("The failing test now passes and no test that passed before fails.".into());
    r.files_edited = vec!["src/widgets/lines.py".into()];
    r.diff = Some(DIFF.into());
    r.diff_stat = Some(DiffStat {
        files: 1,
        insertions: 3,
        deletions: 1,
    });
    r.finish_summary = Some("split_lines now appends the text after the last newline, so a file without a trailing newline keeps its last line.".into());
    r.publish = Some(PublishRecord {
        branch: Some("octagit/issue-42-split-lines-drops-the-last-line".into()),
        pushed: true,
        commit: Some("4be1c0ffee5e2a9d1e8a1b2c3d4e5f6a7b8c9d0e".into()),
        pr_url: Some("https://github.com/acme/widgets/pull/43".into()),
        pr_number: Some(43),
        draft: Some(true),
        compare_url: None,
        comment_url: Some("https://github.com/acme/widgets/issues/42#issuecomment-1".into()),
        error: None,
        notes: vec![],
    });
    r
}

const OPENROUTER_429: &str =
    r#"{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min. "}}"#;

fn rate_record() -> RunRecord {
    let mut r = base();
    stage(&mut r, "agent", StageStatus::Failed, 95_000);
    let sonnet_429 = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let gpt_429 = r#"{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-acme on tokens per min (TPM): Limit 200000, Used 199000, Requested 9800. Please try again in 6m0s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#;
    r.hops = vec![
        hop(
            0,
            8,
            "anthropic/claude-sonnet-4-5",
            None,
            Some(200),
            None,
            (9_120, 420),
            0.0337,
            "",
        ),
        hop(
            0,
            21,
            "anthropic/claude-sonnet-4-5",
            Some(FailureClass::Rate),
            Some(429),
            Some(sonnet_429),
            (0, 0),
            0.0,
            "retry",
        ),
        hop(
            0,
            52,
            "anthropic/claude-sonnet-4-5",
            Some(FailureClass::Rate),
            Some(429),
            Some(sonnet_429),
            (0, 0),
            0.0,
            "next-hop",
        ),
        hop(
            1,
            53,
            "openai/gpt-4o-mini",
            Some(FailureClass::Rate),
            Some(429),
            Some(gpt_429),
            (0, 0),
            0.0,
            "next-hop",
        ),
        hop(
            2,
            54,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
            Some(FailureClass::Rate),
            Some(429),
            Some(OPENROUTER_429),
            (0, 0),
            0.0,
            "next-hop",
        ),
    ];
    r.turns = 1;
    r.tokens_in = 9_120;
    r.tokens_out = 420;
    r.cost_usd = 0.0337;
    r.fail(
        FailureClass::Rate,
        "Every hop of the chain was rate limited.",
        OPENROUTER_429,
    );
    r
}

fn auth_record() -> RunRecord {
    let mut r = base();
    if let Some(a) = r.audit.as_mut() {
        for c in &mut a.candidates {
            c.reachable = false;
            c.viable = false;
            c.class = Some(FailureClass::Auth);
            c.reason = Some("the provider refused the key (401)".into());
            c.tpm_limit = None;
            c.tpm_remaining = None;
        }
    }
    stage(&mut r, "agent", StageStatus::Failed, 1_400);
    r.hops = vec![
        hop(
            0,
            5,
            "anthropic/claude-sonnet-4-5",
            Some(FailureClass::Auth),
            Some(401),
            Some(
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
            ),
            (0, 0),
            0.0,
            "skip-provider",
        ),
        hop(
            1,
            6,
            "openai/gpt-4o-mini",
            Some(FailureClass::Auth),
            Some(401),
            Some(
                r#"{"error":{"message":"Incorrect API key provided: sk-proj-********************************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            ),
            (0, 0),
            0.0,
            "skip-provider",
        ),
        hop(
            2,
            6,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
            Some(FailureClass::Auth),
            Some(401),
            Some(r#"{"error":{"message":"No auth credentials found","code":401}}"#),
            (0, 0),
            0.0,
            "skip-provider",
        ),
    ];
    r.fail(
        FailureClass::Auth,
        "Every provider in the chain refused its key.",
        r#"{"error":{"message":"No auth credentials found","code":401}}"#,
    );
    r
}

fn context_record() -> RunRecord {
    let mut r = base();
    if let Some(a) = r.audit.as_mut() {
        a.prompt_tokens = 231_400;
        a.prompt_tokens_method = "tiktoken o200k_base".into();
        a.chain = vec![
            "openai/gpt-4o-mini".into(),
            "openrouter/qwen/qwen-2.5-coder-32b-instruct".into(),
        ];
        a.candidates.remove(0);
        for c in &mut a.candidates {
            c.fits = Some(false);
        }
        a.risk_note = "The first prompt is larger than every window in the chain.".into();
    }
    stage(&mut r, "agent", StageStatus::Failed, 3_100);
    let ctx = r#"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 231400 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
    r.hops = vec![
        hop(
            0,
            5,
            "openai/gpt-4o-mini",
            Some(FailureClass::Context),
            Some(400),
            Some(ctx),
            (0, 0),
            0.0,
            "next-hop",
        ),
        hop(
            1,
            7,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
            Some(FailureClass::Context),
            Some(400),
            Some(
                r#"{"error":{"code":400,"message":"This endpoint's maximum context length is 32768 tokens. However, you requested about 231400 tokens."}}"#,
            ),
            (0, 0),
            0.0,
            "next-hop",
        ),
    ];
    r.fail(
        FailureClass::Context,
        "The prompt does not fit any model in the chain.",
        ctx,
    );
    r
}

fn hallucination_record() -> RunRecord {
    let mut r = base();
    stage(&mut r, "agent", StageStatus::Failed, 122_000);
    r.hops = vec![
        hop(
            0,
            9,
            "openai/gpt-4o-mini",
            None,
            Some(200),
            None,
            (9_300, 240),
            0.0015,
            "",
        ),
        hop(
            0,
            14,
            "openai/gpt-4o-mini",
            Some(FailureClass::Hallucination),
            Some(200),
            Some(
                "edit_file: old text not found in src/widgets/lines.py (the file has 41 lines; closest match at line 18)",
            ),
            (10_200, 180),
            0.0016,
            "retry",
        ),
        hop(
            0,
            19,
            "openai/gpt-4o-mini",
            Some(FailureClass::Hallucination),
            Some(200),
            Some(
                "unknown tool `apply_patch`; the tools are read_file, list_dir, search, edit_file, write_file, git_diff, run_tests, finish",
            ),
            (10_900, 160),
            0.0017,
            "next-hop",
        ),
        hop(
            1,
            24,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
            None,
            Some(200),
            None,
            (8_800, 300),
            0.0007,
            "",
        ),
        hop(
            1,
            31,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
            Some(FailureClass::Hallucination),
            Some(200),
            Some("edit_file: src/widgets/line_utils.py does not exist"),
            (9_400, 210),
            0.0007,
            "next-hop",
        ),
    ];
    r.handoffs = vec![Handoff {
        from: "openai/gpt-4o-mini".into(),
        to: "openrouter/qwen/qwen-2.5-coder-32b-instruct".into(),
        reason: "3 invalid tool calls in a row".into(),
        summary: "Read src/widgets/lines.py and tests/test_lines.py. The bug is in split_lines: the text after the last newline is never appended. Two edit attempts failed because the old text did not match the file.".into(),
        at_turn: 3,
    }];
    r.turns = 5;
    r.tokens_in = r.hops.iter().map(|h| h.tokens_in).sum();
    r.tokens_out = r.hops.iter().map(|h| h.tokens_out).sum();
    r.cost_usd = r.hops.iter().map(|h| h.cost_usd).sum();
    r.fail(
        FailureClass::Hallucination,
        "The models kept editing text that is not in the files",
        "edit_file: src/widgets/line_utils.py does not exist",
    );
    r
}

fn gate_record() -> RunRecord {
    let mut r = success_record();
    r.status = RunStatus::Running;
    r.stages.truncate(3);
    stage(&mut r, "gate", StageStatus::Failed, 2_300);
    stage(&mut r, "publish", StageStatus::Ok, 1_700);
    r.gate.after = Some(test_run(
        false,
        &["tests/test_lines.py::test_no_trailing_newline"],
        &[
            "tests/test_lines.py::test_empty_text",
            "tests/test_text.py::test_wrap_keeps_blank_lines",
        ],
        "..F.......F...............................\nFAILED tests/test_lines.py::test_empty_text - AssertionError: [''] != []\nFAILED tests/test_text.py::test_wrap_keeps_blank_lines - AssertionError\n2 failed, 40 passed in 0.44s\n",
        2_210,
    ));
    r.gate.passed = Some(false);
    r.gate.verdict = Some("2 tests that passed before fail after the edit.".into());
    r.publish = Some(PublishRecord {
        branch: Some("octagit/issue-42-split-lines-drops-the-last-line-wip".into()),
        pushed: true,
        commit: Some("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b".into()),
        notes: vec!["Draft branch pushed for inspection; no PR because the gate failed.".into()],
        ..Default::default()
    });
    r.fail(
        FailureClass::Gate,
        "The fix breaks tests that passed before.",
        "FAILED tests/test_lines.py::test_empty_text - AssertionError: [''] != []\nFAILED tests/test_text.py::test_wrap_keeps_blank_lines - AssertionError",
    );
    r
}

/// A success whose diff and test output alone are several MiB.
fn huge_record() -> RunRecord {
    let mut r = success_record();
    let mut diff = String::from(
        "diff --git a/data/table.csv b/data/table.csv\n--- a/data/table.csv\n+++ b/data/table.csv\n@@ -1,60000 +1,60000 @@\n",
    );
    for i in 0..60_000 {
        diff.push_str(&format!(
            "-row {i},old value,{}\n+row {i},new value,{}\n",
            i * 7,
            i * 11
        ));
    }
    r.diff = Some(diff);
    r.diff_stat = Some(DiffStat {
        files: 1,
        insertions: 60_000,
        deletions: 60_000,
    });
    r.files_edited.push("data/table.csv".into());
    let mut out = String::new();
    for i in 0..40_000 {
        out.push_str(&format!("tests/test_table.py::test_row_{i} PASSED\n"));
    }
    if let Some(a) = r.gate.after.as_mut() {
        a.output_tail = out;
    }
    r
}

// ---------------------------------------------------------------------------------------
// Job summary snapshots

fn summary(record: &RunRecord) -> String {
    let md = report::job_summary(record);
    assert!(md.len() < report::SUMMARY_LIMIT);
    md
}

#[test]
fn summary_success() {
    let md = summary(&success_record());
    assert!(md.contains("[#42](https://github.com/acme/widgets/issues/42)"));
    assert!(md.contains("https://github.com/acme/widgets/pull/43"));
    assert!(md.contains("<details><summary>Diff</summary>"));
    insta::assert_snapshot!("summary_success", md);
}

#[test]
fn summary_rate_limit_exhausted_across_all_hops() {
    let md = summary(&rate_record());
    assert!(
        md.contains("All 3 models in the chain were rate limited"),
        "{md}"
    );
    assert!(
        md.contains("12:07 UTC"),
        "the reset of the last limited hop is named: {md}"
    );
    insta::assert_snapshot!("summary_rate_exhausted", md);
}

#[test]
fn summary_auth_failure_on_every_provider() {
    let md = summary(&auth_record());
    for env in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY"] {
        assert!(md.contains(env), "{env} named: {md}");
    }
    insta::assert_snapshot!("summary_auth_every_provider", md);
}

#[test]
fn summary_context_overflow() {
    let md = summary(&context_record());
    assert!(md.contains("larger window"), "{md}");
    insta::assert_snapshot!("summary_context_overflow", md);
}

#[test]
fn summary_hallucination() {
    let md = summary(&hallucination_record());
    assert!(md.contains("Handoff at turn 3"), "{md}");
    assert!(md.contains("src/widgets/lines.py"), "{md}");
    insta::assert_snapshot!("summary_hallucination", md);
}

#[test]
fn summary_gate_failure() {
    let md = summary(&gate_record());
    assert!(md.contains("tests/test_lines.py::test_empty_text"), "{md}");
    assert!(
        md.contains("octagit/issue-42-split-lines-drops-the-last-line-wip"),
        "{md}"
    );
    insta::assert_snapshot!("summary_gate_failure", md);
}

#[test]
fn summary_shrunk_to_fit() {
    let record = huge_record();
    let full =
        record.diff.as_ref().unwrap().len() + record.gate.after.as_ref().unwrap().output_tail.len();
    assert!(full > 3 * 1024 * 1024, "the parts alone are {full} bytes");

    // The real limit: under 1 MiB, says so, and the fixed parts survive.
    let md = report::job_summary(&record);
    assert!(
        md.len() <= report::SUMMARY_LIMIT && md.len() < 1024 * 1024,
        "{} bytes",
        md.len()
    );
    assert!(
        md.len() > report::SUMMARY_LIMIT - 64 * 1024,
        "shortened no more than needed: {} bytes",
        md.len()
    );
    assert!(md.contains("Shortened to fit GitHub's 1 MiB job-summary limit"));
    assert!(md.contains("### What to review"));
    assert!(md.contains("https://github.com/acme/widgets/pull/43"));
    assert!(md.contains("### Audit") && md.contains("### Terrain"));
    assert!(md.contains("cut here to fit"));
    // The diff keeps its start, the test output its end.
    assert!(md.contains("+row 0,new value,0"));
    assert!(md.contains("test_row_39999 PASSED"));

    // The same at a small limit, as a reviewable snapshot.
    let small = report::job_summary_with_limit(&record, 24 * 1024);
    assert!(small.len() <= 24 * 1024, "{} bytes", small.len());
    insta::assert_snapshot!("summary_shrunk", small);
}

#[test]
fn summary_of_a_demo_and_of_an_early_death() {
    let mut demo = success_record();
    demo.demo = true;
    let md = report::job_summary(&demo);
    assert!(md.starts_with("## ✅ DEMO · "), "{md}");
    assert!(md.contains("**DEMO**"));
    let html = report::html(&demo, &RunArtefacts::default());
    assert!(html.contains("<span class=\"demo\">DEMO</span>"));

    // A record written just after the index stage: nothing else is known.
    let mut early = RunRecord::new(
        "run-early",
        TaskInfo {
            issue_title: "x".into(),
            origin: "cli".into(),
            ..Default::default()
        },
        false,
    );
    early.started_at = t(0);
    let md = report::job_summary(&early);
    assert!(md.contains("Did not finish"), "{md}");
    assert!(md.contains("**Next step:**"), "{md}");
    let html = report::html(&early, &RunArtefacts::default());
    assert!(html.contains("The run stopped before it finished"));
}

#[test]
fn hostile_issue_text_cannot_inject_markup() {
    let mut r = rate_record();
    r.task.issue_title = "<img src=x onerror=alert(1)> | `code` [link](javascript:alert(1))".into();
    let md = report::job_summary(&r);
    assert!(!md.contains("<img"), "{md}");
    assert!(!md.contains("[link](javascript:"), "no live link: {md}");
    assert!(md.contains("\\[link\\]"), "brackets escaped: {md}");
    let html = report::html(&r, &RunArtefacts::default());
    assert!(!html.contains("<img"), "no raw tag from the issue");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

// ---------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn advisor_and_reports_never_contain_a_planted_secret() {
    // Not shaped like any known token, so only the registry can catch it.
    let planted = "octa-planted-9f8e7d6c5b4a3210-zyxw";
    let key = octagit::secret::Secret::new(planted);
    assert_eq!(key.expose(), planted);

    let mut r = auth_record();
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {planted}.","code":"invalid_api_key"}}}}"#
    );
    // Bypass RunRecord::fail (which redacts) to model a record written by an older build.
    r.failure = Some(Failure {
        class: FailureClass::Auth,
        message: format!("key {planted} refused"),
        raw: body.clone(),
        reason: None,
    });
    r.hops[1].error = Some(body.clone());
    r.diff = Some(format!("+API_KEY = \"{planted}\"\n"));
    r.warnings.push(format!("saw {planted}"));

    let built_in = advisor::deterministic(&r);
    for text in [&built_in.headline, &built_in.body, &built_in.next_step] {
        assert!(!text.contains(planted), "{text}");
    }

    // A model that echoes the key back is not believed.
    let echo = ModelClient::scripted(
        "echo",
        Script::new(vec![ScriptTurn::Reply {
            text: format!(
                r#"{{"headline":"Key {planted} refused","body":"The key {planted} is wrong.","next_step":"Replace {planted}."}}"#
            ),
            tool_calls: vec![],
        }]),
    );
    let advice = advisor::advise(&r, Some(&echo)).await;
    assert_eq!(advice.author, advisor::BUILT_IN);
    assert!(!format!("{advice:?}").contains(planted));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trajectory.jsonl"),
        format!(
            "{}\n",
            json!({"turn": 1, "role": "tool", "content": planted})
        ),
    )
    .unwrap();
    let files = report::write_all(&r, dir.path()).unwrap();
    assert_eq!(files, ["summary.md", "report.html", "advice.md"]);
    for f in &files {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(!text.contains(planted), "{f} leaks the key");
        assert!(text.contains("***"), "{f} shows where the key was masked");
    }
    assert!(!report::json(&r).contains(planted));
}

// ---------------------------------------------------------------------------------------
// The advisor with a model

fn answer(headline: &str, body: &str, next: &str) -> String {
    json!({ "headline": headline, "body": body, "next_step": next }).to_string()
}

#[tokio::test]
async fn advisor_uses_a_good_model_answer_and_rejects_bad_ones() {
    let r = rate_record();
    let good = answer(
        "All three models were rate limited",
        "Anthropic, OpenAI and OpenRouter each answered 429 within a minute.",
        "Re-run the workflow after 12:06 UTC.",
    );
    let client = ModelClient::scripted(
        "advisor",
        Script::new(vec![ScriptTurn::Reply {
            text: format!("```json\n{good}\n```"),
            tool_calls: vec![],
        }]),
    );
    let a = advisor::advise(&r, Some(&client)).await;
    assert_eq!(a.author, "scripted/advisor");
    assert_eq!(a.next_step, "Re-run the workflow after 12:06 UTC.");

    let built_in = advisor::deterministic(&r);
    let bad_answers = [
        "Sorry, I cannot help with that.".to_string(),
        "{\"headline\": \"unterminated".to_string(),
        answer("", "body", "step"),
        answer("h", &"very long ".repeat(400), "step"),
        answer("h", "b", "1. wait\n2. re-run"),
        answer("h", "b", ""),
    ];
    for bad in bad_answers {
        let client = ModelClient::scripted(
            "bad",
            Script::new(vec![ScriptTurn::Reply {
                text: bad.clone(),
                tool_calls: vec![],
            }]),
        );
        let a = advisor::advise(&r, Some(&client)).await;
        assert_eq!(a, built_in, "answer {bad:?} must fall back");
    }
    // A failing hop, and no hop at all.
    let failing = ModelClient::scripted(
        "down",
        Script::new(vec![ScriptTurn::Error {
            status: 529,
            body: "overloaded".into(),
        }]),
    );
    assert_eq!(advisor::advise(&r, Some(&failing)).await, built_in);
    assert_eq!(advisor::advise(&r, None).await, built_in);
}

fn mock_env(mock: &MockLlm) -> ProviderEnv {
    let mut vars = BTreeMap::new();
    vars.insert(
        "OPENAI_API_KEY".to_string(),
        "sk-proj-advisor-test-key-0123456789abcdef".to_string(),
    );
    vars.insert("OPENAI_BASE_URL".to_string(), mock.openai_base_url());
    ProviderEnv {
        vars,
        ..Default::default()
    }
}

#[tokio::test]
async fn advisor_against_the_mock_llm_server() {
    let planted = "octa-planted-wire-5a4b3c2d1e0f";
    octagit::secret::register(planted);
    let mut r = gate_record();
    r.failure.as_mut().unwrap().raw = format!("AssertionError with token {planted}");

    let mock = MockLlm::start().await;
    let client = ModelClient::resolve("openai/gpt-4o-mini", &mock_env(&mock)).unwrap();

    // A good answer is used, with the model as author.
    mock.push(
        Endpoint::OpenAiChat,
        Reply::text(&answer(
            "The edit broke two tests that passed before",
            "split_lines now returns [''] for empty text; test_empty_text and test_wrap_keeps_blank_lines fail.",
            "Check out branch `octagit/issue-42-split-lines-drops-the-last-line-wip` and run `pytest -q tests/test_lines.py`.",
        ))
        .usage(900, 80)
        .openai(),
    );
    let a = advisor::advise(&r, Some(&client)).await;
    assert_eq!(a.author, "openai/gpt-4o-mini");
    assert!(a.next_step.starts_with("Check out branch"));

    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert!(
        body.contains("test_empty_text"),
        "the prompt is built from the record"
    );
    assert!(!body.contains(planted), "the prompt is redacted");
    let max = sent[0].json["max_tokens"]
        .as_u64()
        .or(sent[0].json["max_completion_tokens"].as_u64());
    assert!(
        max.is_some_and(|m| m <= 800),
        "a strict length bound is sent: {max:?}"
    );

    // Garbage, an error and an over-long answer all fall back to the built-in text.
    let built_in = advisor::deterministic(&r);
    mock.push(
        Endpoint::OpenAiChat,
        Reply::text("lorem ipsum {not json at all").openai(),
    );
    assert_eq!(advisor::advise(&r, Some(&client)).await, built_in);
    mock.push(
        Endpoint::OpenAiChat,
        MockLlm::openai_error_rate_limit("20s"),
    );
    assert_eq!(advisor::advise(&r, Some(&client)).await, built_in);
    mock.push(
        Endpoint::OpenAiChat,
        Reply::text(&answer("h", &"x".repeat(5000), "s")).openai(),
    );
    assert_eq!(advisor::advise(&r, Some(&client)).await, built_in);
}

// ---------------------------------------------------------------------------------------
// `octagit report`

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures/runs")
        .join(name)
}

fn octagit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_octagit"))
}

#[test]
fn report_command_renders_every_format() {
    let dir = fixture("rate_exhausted");
    let out = octagit()
        .args(["report", "--run"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("## ❌ OctaGit · No fix:"), "{md}");
    assert!(md.contains("### What happened"));

    let tmp = tempfile::tempdir().unwrap();
    let html_path = tmp.path().join("r.html");
    let out = octagit()
        .args(["report", "--format", "html", "--run"])
        .arg(&dir)
        .arg("-o")
        .arg(&html_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<svg"),
        "terrain.svg from the run directory is inlined"
    );
    assert!(
        html.contains("class=\"transcript\""),
        "trajectory.jsonl is shown"
    );

    let out = octagit()
        .args(["report", "--format", "json", "--run"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failure"]["class"], "rate");
}

#[test]
fn report_command_explains_a_missing_or_corrupt_record() {
    let tmp = tempfile::tempdir().unwrap();
    let out = octagit()
        .args(["report", "--run"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("no run record") && err.contains("point --run at a run directory"),
        "{err}"
    );

    std::fs::write(
        tmp.path().join("run.json"),
        "{\"schema_version\": 1, \"demo\": tru",
    )
    .unwrap();
    let out = octagit()
        .args(["report", "--run"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("not a readable run record") && err.contains("re-run octagit"),
        "{err}"
    );
}

/// `OCTAGIT_WRITE_FIXTURES=1 cargo test --test it reports::fixture` rewrites the fixture
/// run directory from the builders here (after a deliberate change to RunRecord).
fn write_fixture(dir: &Path, record: &RunRecord) {
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::to_string_pretty(record).unwrap();
    std::fs::write(dir.join("run.json"), json + "\n").unwrap();
    let (tmp, _) = rendered_run_dir();
    for f in ["terrain.svg", "trajectory.jsonl"] {
        std::fs::copy(tmp.path().join(f), dir.join(f)).unwrap();
    }
}

#[test]
fn fixture_matches_the_record_builder() {
    type Builder = fn() -> RunRecord;
    let fixtures: [(&str, Builder); 2] =
        [("rate_exhausted", rate_record), ("success", success_record)];
    for (name, build) in fixtures {
        if std::env::var_os("OCTAGIT_WRITE_FIXTURES").is_some() {
            write_fixture(&fixture(name), &build());
        }
        // The fixtures are the builders' records as JSON; if RunRecord changes shape, this says so.
        let text = std::fs::read_to_string(fixture(name).join("run.json")).unwrap();
        let from_file: RunRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(
            report::job_summary(&from_file),
            report::job_summary(&build()),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// report.html, statically and in headless Chromium

/// Every `src`/`href` in the page: (tag, url).
fn resource_refs(html: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"(?is)<\s*([a-z][a-z0-9-]*)\b[^>]*?\b(?:src|href|srcset|data|poster|action)\s*=\s*["']?([^"'\s>]+)"#).unwrap();
    re.captures_iter(html)
        .map(|c| (c[1].to_ascii_lowercase(), c[2].to_string()))
        .collect()
}

fn assert_no_outside_resources(html: &str) {
    for (tag, url) in resource_refs(html) {
        let outside =
            url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//");
        assert!(
            !outside || tag == "a",
            "<{tag}> loads {url} from outside the file"
        );
    }
    let css_url = regex::Regex::new(r#"(?i)url\(\s*["']?\s*(?:https?:|//)|@import"#).unwrap();
    assert!(!css_url.is_match(html), "CSS fetches from outside");
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "no script at all"
    );
}

/// A run directory with a real terrain (this crate's own `src/` indexed and drawn) and a
/// transcript, its reports written by `write_all`.
fn rendered_run_dir() -> (tempfile::TempDir, RunRecord) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let index = octagit::index::build(&src, &octagit::index::IndexOptions::default()).unwrap();
    let svg = octagit::terrain::render_svg(&index, None);
    std::fs::write(dir.path().join("terrain.svg"), &svg).unwrap();
    let mut r = rate_record();
    if let Some(i) = r.index.as_mut() {
        i.heatmap = Some(octagit::terrain::heatmap_text(&index, None, 48, 12));
    }
    let trajectory = [
        json!({"turn": 1, "role": "assistant", "model": "anthropic/claude-sonnet-4-5", "content": "I will read the file first.", "tool_calls": [{"name": "read_file", "arguments": {"path": "src/widgets/lines.py"}}]}),
        json!({"turn": 1, "role": "tool", "tool": "read_file", "content": "def split_lines(text):\n    lines = []\n    ..."}),
        json!({"turn": 2, "role": "error", "model": "anthropic/claude-sonnet-4-5", "error": "429 rate_limit_error"}),
    ];
    let lines: String = trajectory.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(dir.path().join("trajectory.jsonl"), lines).unwrap();
    r.write(dir.path()).unwrap();
    report::write_all(&r, dir.path()).unwrap();
    (dir, r)
}

#[test]
fn html_is_self_contained_and_escaped() {
    let (dir, r) = rendered_run_dir();
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_no_outside_resources(&html);
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<svg"));
    let advice = report::advice(&r);
    assert!(html.contains(&html_escape::encode_text(&advice.headline).to_string()));
    assert!(html.contains("<details"), "collapsible transcript");
    // The check above can fail: a page with an outside image is caught.
    let bad = html.replace(
        "</main>",
        "<img src=\"https://example.invalid/x.png\"></main>",
    );
    assert!(std::panic::catch_unwind(|| assert_no_outside_resources(&bad)).is_err());

    // An SVG with a script is not inlined.
    let evil = RunArtefacts {
        trajectory: vec![],
        terrain_svg: Some("<svg><script>alert(1)</script></svg>".into()),
    };
    let page = report::html(&r, &evil);
    assert!(!page.contains("<script"));
    assert!(page.contains("not a plain SVG"));
}

fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let bin = browser::find_chromium();
    if bin.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium is not installed but CI is set: .ci/run installs it (apt-get install -y chromium)"
            );
        }
        eprintln!("SKIP {test}: no chromium on PATH (install Debian's `chromium`; CI does)");
    }
    bin
}

#[test]
fn html_report_in_headless_chromium() {
    let Some(bin) = chromium_or_skip("html_report_in_headless_chromium") else {
        return;
    };
    let (dir, r) = rendered_run_dir();
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_no_outside_resources(&html);
    let server = browser::FileServer::start(dir.path());
    let load = browser::load_page(&bin, &server.url("report.html"), None);
    let advice = report::advice(&r);
    assert!(
        load.dom
            .contains(&html_escape::encode_text(&advice.headline).to_string()),
        "advisor headline in the rendered DOM"
    );
    assert!(load.dom.contains("Next step"));
    assert!(load.dom.contains("<svg"), "terrain SVG in the rendered DOM");
    assert!(load.dom.contains("</svg>"));
    browser::assert_page_made_no_requests(&load);

    // Screenshots for a person to look at (desktop and phone), when asked for.
    if let Some(out) = std::env::var_os("OCTAGIT_SCREENSHOTS") {
        let out = PathBuf::from(out);
        std::fs::create_dir_all(&out).unwrap();
        for (name, size) in [
            ("desktop", (1200, 1600, false)),
            ("phone", (400, 900, true)),
        ] {
            let shot = browser::load_page(&bin, &server.url("report.html"), Some(size));
            std::fs::write(
                out.join(format!("report-{name}.png")),
                shot.screenshot_png.unwrap(),
            )
            .unwrap();
        }
    }
}

/// The same check on a report with one planted outside image (and its CSP taken out, as a
/// careless template change would): the check must fail, naming the request.
#[test]
fn planted_external_image_fails_the_chromium_check() {
    let Some(bin) = chromium_or_skip("planted_external_image_fails_the_chromium_check") else {
        return;
    };
    let (dir, _) = rendered_run_dir();
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let leaky = html.replace("Content-Security-Policy", "x-no-csp").replace(
        "</main>",
        "<img src=\"http://example.invalid/pixel.png\"></main>",
    );
    assert_ne!(leaky, html, "the leak was planted");
    std::fs::write(dir.path().join("leaky.html"), leaky).unwrap();
    let server = browser::FileServer::start(dir.path());
    let load = browser::load_page(&bin, &server.url("leaky.html"), None);
    let failed = std::panic::catch_unwind(|| browser::assert_page_made_no_requests(&load));
    let message = failed
        .expect_err("the check must fail on a page that loads an outside image")
        .downcast::<String>()
        .map(|m| *m)
        .unwrap_or_default();
    assert!(
        message.contains("the page made requests") && message.contains("example.invalid"),
        "the failure names the leak: {message}"
    );
}

// ---------------------------------------------------------------------------------------
// The size guarantee, over arbitrary text

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Any mix of diff, error and test output (any Unicode, any backticks) renders under
    /// any limit without panicking.
    #[test]
    fn summary_never_exceeds_its_limit(
        diff in "(?s).{0,3000}",
        raw in "(?s).{0,2000}",
        tail in "[a-zé`\n|<>*_]{0,4000}",
        title in "(?s).{0,300}",
        repeat in 1usize..40,
        limit in 600usize..40_000,
    ) {
        let mut r = gate_record();
        r.task.issue_title = title;
        r.diff = Some(diff.repeat(repeat));
        r.failure.as_mut().unwrap().raw = raw.repeat(repeat);
        r.gate.after.as_mut().unwrap().output_tail = tail.repeat(repeat);
        let md = report::job_summary_with_limit(&r, limit);
        proptest::prop_assert!(md.len() <= limit, "{} > {limit}", md.len());
        let html = report::html(&r, &RunArtefacts::default());
        proptest::prop_assert!(html.ends_with("</html>\n"));
    }
}
