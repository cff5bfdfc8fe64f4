//! The resolved config through the real binary: `scripted/` slugs only in tests (and then
//! the run is DEMO), bad limits refused by the flag that set them, protected paths that
//! add to the defaults.

use std::path::Path;

use octagit::run_record::RunRecord;
use serde_json::json;

use crate::support::repo::TempRepo;

/// A repo whose check passes once `value.txt` says `fixed`, with `config` as its
/// `.github/octagit.yml`.
fn repo_with_config(config: &str) -> TempRepo {
    TempRepo::with_files(&[
        ("value.txt", "broken\n"),
        (
            "check.sh",
            "#!/bin/sh\ngrep -q fixed value.txt || { echo 'FAIL: not fixed'; exit 1; }\necho ok\n",
        ),
        (".github/octagit.yml", config),
    ])
}

struct Ran {
    code: i32,
    stderr: String,
}

fn octagit_run(repo: &Path, out: &Path, allow_scripted: bool, extra: &[&str]) -> Ran {
    let home = out.join("home");
    let mut cmd = assert_cmd::Command::cargo_bin("octagit").unwrap();
    cmd.args(["run", "--repo"])
        .arg(repo)
        .args(["--issue", "value is broken\n\nvalue.txt should say fixed"])
        .args(["--test-command", "sh check.sh", "--no-audit", "--out"])
        .arg(out.join("run"))
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("OCTAGIT_OFFLINE", "1")
        .timeout(std::time::Duration::from_secs(120));
    if allow_scripted {
        cmd.env(
            crate::support::ALLOW_SCRIPTED.0,
            crate::support::ALLOW_SCRIPTED.1,
        );
    }
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The transcript: try a workflow file (protected by default), then fix and finish.
fn write_script(dir: &Path) -> String {
    let path = dir.join("script.json");
    std::fs::write(
        &path,
        json!([
            {"text": "", "tool_calls": [{"name": "write_file", "arguments": {"path": ".github/workflows/ci.yml", "content": "on: push\n"}}]},
            {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "value.txt", "old_text": "broken", "new_text": "fixed"}}]},
            {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "value.txt says fixed"}}]}
        ])
        .to_string(),
    )
    .unwrap();
    format!("scripted/{}", path.display())
}

#[test]
fn a_scripted_slug_in_the_file_is_refused_outside_the_tests() {
    let out = tempfile::tempdir().unwrap();
    let slug = write_script(out.path());
    let repo = repo_with_config(&format!("max_turns: 6\nfallback_chain: [\"{slug}\"]\n"));
    let ran = octagit_run(repo.path(), out.path(), false, &[]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(".github/octagit.yml:2:") && ran.stderr.contains("scripted model"),
        "{}",
        ran.stderr
    );
    assert!(!out.path().join("run").exists(), "nothing ran");
    assert_eq!(repo.read("value.txt"), "broken\n");
}

#[test]
fn a_scripted_slug_from_a_flag_is_refused_by_name() {
    let out = tempfile::tempdir().unwrap();
    let slug = write_script(out.path());
    let repo = repo_with_config("max_turns: 6\n");
    let ran = octagit_run(repo.path(), out.path(), false, &["--model", &slug]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("flag `--model`/`--fallback-chain`: `scripted/"),
        "{}",
        ran.stderr
    );
}

/// Allowed for the tests, the run works and says DEMO everywhere; the user's
/// `protected_paths` kept the default workflow glob.
#[test]
fn an_allowed_scripted_run_is_a_demo_and_keeps_the_default_protection() {
    let out = tempfile::tempdir().unwrap();
    let slug = write_script(out.path());
    let repo = repo_with_config(&format!(
        "max_turns: 6\nprotected_paths: [\"secrets/**\"]\nfallback_chain: [\"{slug}\"]\n"
    ));
    let ran = octagit_run(repo.path(), out.path(), true, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let run_dir = out.path().join("run");
    let rec = RunRecord::read(&run_dir).unwrap();
    assert!(rec.demo, "a scripted hop makes the run a demo");
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(summary.contains("DEMO"), "{summary}");
    assert!(
        !repo.path().join(".github/workflows/ci.yml").exists(),
        "the default protection held"
    );
    assert_eq!(repo.read("value.txt"), "fixed\n");
}

/// The three values the issue names, from flags: each refused before anything runs, named
/// as the flag.
#[test]
fn bad_limits_from_flags_are_refused_by_flag_name() {
    let repo = repo_with_config("max_turns: 6\n");
    for (arg, want) in [
        ("--max-turns=0", "flag `--max-turns`: must be at least 1"),
        (
            "--max-cost-usd=-1",
            "flag `--max-cost-usd`: must be a non-negative",
        ),
        (
            "--max-minutes=4294967295",
            "flag `--max-minutes`: must be at most 10080",
        ),
    ] {
        let args = [arg];
        let out = tempfile::tempdir().unwrap();
        let ran = octagit_run(repo.path(), out.path(), false, &args);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(want) && ran.stderr.contains("leave the flag out"),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(!out.path().join("run").exists(), "{args:?}: nothing ran");
    }
}
