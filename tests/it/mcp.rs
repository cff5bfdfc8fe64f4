//! `octagit mcp` spoken to by hand: the real binary over piped stdio, newline-delimited
//! JSON-RPC 2.0, the mock LLM on loopback for models, temp git repos for work, a wiremock
//! GitHub API and a local bare remote for publishing. No real key reaches the child.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::mock_llm::{Endpoint, MockLlm, Reply};
use crate::support::repo::TempRepo;

const OPENAI_KEY: &str = "sk-proj-mcp-test-openai-key-0123456789";
const GITHUB_TOKEN: &str = "ghs_mcpTestToken0123456789abcdefABCDEF";
/// Any single answer (a whole run against the mock included) comes well within this.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

struct Mcp {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// Notifications received while waiting for responses, in order.
    notifications: Vec<Value>,
    _home: tempfile::TempDir,
}

impl Mcp {
    /// `octagit mcp` with a clean environment plus `env`.
    fn spawn(env: &[(&str, String)]) -> Mcp {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_octagit"));
        cmd.arg("mcp")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("OCTAGIT_OFFLINE", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(home.path().join("stderr.log")).unwrap(),
            ))
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("octagit mcp starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Mcp {
            child,
            stdin,
            lines,
            notifications: Vec::new(),
            _home: home,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self._home.path().join("stderr.log")).unwrap_or_default()
    }

    async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// One message from stdout; every line must be a JSON-RPC 2.0 message.
    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(ANSWER_TIMEOUT, self.lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no message within {ANSWER_TIMEOUT:?}; stderr:\n{}",
                    self.stderr()
                )
            })
            .unwrap()
            .unwrap_or_else(|| panic!("the server closed stdout; stderr:\n{}", self.stderr()));
        let msg: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout is not JSON-RPC ({e}): {line}"));
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        msg
    }

    /// The response to request `id`; notifications on the way are kept.
    async fn response(&mut self, id: u64) -> Value {
        loop {
            let msg = self.recv().await;
            if msg["id"] == json!(id) && (msg.get("result").is_some() || msg.get("error").is_some())
            {
                return msg;
            }
            self.notifications.push(msg);
        }
    }

    async fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.response(id).await
    }

    async fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        self.request(
            id,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
        .await
    }

    async fn initialize(&mut self) -> Value {
        let r = self
            .request(
                0,
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "octagit-it", "version": "1.0"}
                }),
            )
            .await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        r
    }

    fn progress(&self, token: &str) -> Vec<&Value> {
        self.notifications
            .iter()
            .filter(|n| {
                n["method"] == "notifications/progress" && n["params"]["progressToken"] == token
            })
            .collect()
    }
}

/// The text content of a tools/call result.
fn text(response: &Value) -> String {
    response["result"]["content"]
        .as_array()
        .unwrap_or_else(|| panic!("no content: {response}"))
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_error(response: &Value) -> bool {
    response["result"]["isError"] == json!(true)
}

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

fn openai_env(mock: &MockLlm) -> Vec<(&'static str, String)> {
    vec![
        ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
        ("OPENAI_BASE_URL", mock.openai_base_url()),
    ]
}

/// The two turns of a fix: edit `value.txt`, then finish.
fn script_fix(mock: &MockLlm) {
    let edit = json!({"path": "value.txt", "old_text": "broken", "new_text": "fixed"}).to_string();
    let finish = json!({"summary": "value.txt now says fixed"}).to_string();
    mock.openai(
        Reply::text("")
            .tool_call("call_1", "edit_file", &edit)
            .usage(900, 40)
            .openai(),
    );
    mock.openai(
        Reply::text("")
            .tool_call("call_2", "finish", &finish)
            .usage(950, 20)
            .openai(),
    );
    // The advisor's note and anything after: plain text (the built-in advice stands in
    // when it does not validate).
    mock.set_default(Endpoint::OpenAiChat, Reply::text("ok").openai());
}

fn run_args(repo: &Path, out: &Path) -> Value {
    json!({
        "repo": repo.display().to_string(),
        "issue_text": "value is broken\n\nvalue.txt should say fixed",
        "fallback_chain": ["openai/gpt-4o-mini"],
        "no_audit": true,
        "test_command": "sh check.sh",
        "max_turns": 6,
        "out_dir": out.display().to_string(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_and_four_tools_with_described_schemas() {
    let mut mcp = Mcp::spawn(&[]);
    let init = mcp.initialize().await;
    let info = &init["result"]["serverInfo"];
    assert_eq!(info["name"], "octagit", "{init}");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        init["result"]["capabilities"]["tools"].is_object(),
        "{init}"
    );

    let list = mcp.request(1, "tools/list", json!({})).await;
    let tools = list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"));
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "octagit_audit",
            "octagit_open_pr",
            "octagit_run",
            "octagit_terrain"
        ]
    );
    for t in tools {
        let schema = &t["inputSchema"];
        assert_eq!(schema["type"], "object", "{t}");
        assert!(
            t["description"].as_str().is_some_and(|d| d.len() > 40),
            "{t}"
        );
        let props = schema["properties"].as_object().unwrap();
        assert!(props.contains_key("repo"), "{t}");
        for (field, p) in props {
            assert!(
                p["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{} has no description for {field}",
                t["name"]
            );
        }
        assert!(
            schema["required"]
                .as_array()
                .unwrap()
                .contains(&json!("repo")),
            "{t}"
        );
    }
    let run = tools.iter().find(|t| t["name"] == "octagit_run").unwrap();
    for field in [
        "issue_text",
        "issue_number",
        "test_command",
        "model",
        "fallback_chain",
        "open_pr",
    ] {
        assert!(
            run["inputSchema"]["properties"].get(field).is_some(),
            "octagit_run lacks {field}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_returns_the_report_and_a_table() {
    let mock = MockLlm::start().await;
    mock.set_default(
        Endpoint::OpenAiChat,
        Reply::text("O")
            .openai_rate_limits((500, 499, "1s"), (200_000, 199_000, "1s"))
            .openai(),
    );
    let repo = buggy_repo();
    let mut mcp = Mcp::spawn(&openai_env(&mock));
    mcp.initialize().await;
    let r = mcp
        .call(
            1,
            "octagit_audit",
            json!({
                "repo": repo.path().display().to_string(),
                "issue_text": "value is broken\n\nvalue.txt should say fixed",
                "fallback_chain": ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"],
            }),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    let report = &r["result"]["structuredContent"];
    assert_eq!(report["chain"], json!(["openai/gpt-4o-mini"]), "{report}");
    let candidates = report["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2);
    assert_eq!(
        candidates[1]["class"], "auth",
        "no Anthropic key in the child"
    );
    let t = text(&r);
    assert!(t.contains("Chain: openai/gpt-4o-mini\n"), "{t}");
    assert!(t.contains("no key: set ANTHROPIC_API_KEY"), "{t}");
    assert!(!r.to_string().contains(OPENAI_KEY));
    // The probe really went to the mock, with the key.
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert!(
        sent.iter()
            .any(|s| s.header("authorization") == Some(&format!("Bearer {OPENAI_KEY}")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_fixes_the_issue_with_progress_per_stage() {
    let mock = MockLlm::start().await;
    script_fix(&mock);
    let repo = buggy_repo();
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("run");
    let mut mcp = Mcp::spawn(&openai_env(&mock));
    mcp.initialize().await;
    let r = mcp
        .request(
            7,
            "tools/call",
            json!({
                "name": "octagit_run",
                "arguments": run_args(repo.path(), &run_dir),
                "_meta": {"progressToken": "run-7"},
            }),
        )
        .await;
    assert!(!is_error(&r), "{r}\n{}", mcp.stderr());
    let data = &r["result"]["structuredContent"];
    assert_eq!(data["status"], "success", "{data}");
    assert_eq!(data["failure_class"], Value::Null);
    assert!(data["diff"].as_str().unwrap().contains("+fixed"), "{data}");
    assert_eq!(data["files_edited"], json!(["value.txt"]));
    assert_eq!(data["tests"]["baseline_passed"], false);
    assert_eq!(data["tests"]["after_passed"], true);
    assert_eq!(data["run_dir"], run_dir.display().to_string());
    assert!(
        data["advice"]["next_step"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{data}"
    );
    assert_eq!(data["pr_url"], Value::Null);
    for f in ["run.json", "report.html", "patch.diff", "terrain.svg"] {
        assert!(run_dir.join(f).exists(), "{f} missing");
    }
    assert_eq!(repo.read("value.txt"), "fixed\n");
    let t = text(&r);
    assert!(t.starts_with("OctaGit: fixed"), "{t}");
    assert!(t.contains("```diff\n") && t.contains("+fixed"), "{t}");
    assert!(
        t.contains(&format!("Run directory: {}", run_dir.display())),
        "{t}"
    );

    let progress = mcp.progress("run-7");
    let messages: Vec<&str> = progress
        .iter()
        .filter_map(|n| n["params"]["message"].as_str())
        .collect();
    for stage in [
        "task: ok",
        "index: ok",
        "audit: ok",
        "baseline: ok",
        "agent: ok",
        "gate: ok",
        "report: ok",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(stage)),
            "no `{stage}` in {messages:?}"
        );
    }
    let values: Vec<f64> = progress
        .iter()
        .map(|n| n["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).all(|w| w[1] > w[0]),
        "progress must increase: {values:?}"
    );
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert!(sent.len() >= 2, "the agent's two turns went to the mock");
    assert_eq!(sent[0].json["model"], "gpt-4o-mini");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_from_a_git_url_clones_it_shallowly() {
    let mock = MockLlm::start().await;
    script_fix(&mock);
    let repo = buggy_repo();
    let bare = repo.with_bare_remote();
    let out = tempfile::tempdir().unwrap();
    let mut mcp = Mcp::spawn(&openai_env(&mock));
    mcp.initialize().await;
    let mut args = run_args(Path::new(""), &out.path().join("run"));
    args["repo"] = json!(format!("file://{}", bare.path().display()));
    let r = mcp.call(3, "octagit_run", args).await;
    assert!(!is_error(&r), "{r}");
    let data = &r["result"]["structuredContent"];
    assert_eq!(data["status"], "success", "{data}");
    let clone = Path::new(data["repo"].as_str().unwrap()).to_path_buf();
    assert_ne!(clone, repo.path());
    assert_eq!(
        std::fs::read_to_string(clone.join("value.txt")).unwrap(),
        "fixed\n"
    );
    assert_eq!(
        repo.read("value.txt"),
        "broken\n",
        "the source repository is untouched"
    );
    let shallow = crate::support::repo::git_in(&clone, &["rev-parse", "--is-shallow-repository"]);
    assert_eq!(shallow.trim(), "true");
    let _ = std::fs::remove_dir_all(clone.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_calls_are_errors_and_the_server_keeps_serving() {
    let mut mcp = Mcp::spawn(&[]);
    mcp.initialize().await;

    // A required field missing: a tool error the calling model can act on.
    let r = mcp.call(1, "octagit_run", json!({"issue_text": "x"})).await;
    assert!(is_error(&r), "{r}");
    let t = text(&r);
    assert!(
        t.contains("invalid arguments for `octagit_run`") && t.contains("missing field `repo`"),
        "{t}"
    );
    assert!(
        t.contains("Next step: call again with arguments that match the tool's inputSchema"),
        "{t}"
    );

    // A misspelt option is refused, not ignored.
    let r = mcp
        .call(
            2,
            "octagit_audit",
            json!({"repo": ".", "issue_text": "x", "chain": []}),
        )
        .await;
    assert!(
        is_error(&r) && text(&r).contains("unknown field `chain`"),
        "{r}"
    );

    // An unknown tool is a JSON-RPC error naming the real ones.
    let r = mcp.call(3, "octagit_fix_everything", json!({})).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("octagit_run"),
        "{r}"
    );

    // Valid arguments, impossible task: the next step, as text and JSON.
    let r = mcp
        .call(
            4,
            "octagit_run",
            json!({"repo": "/no/such/repo", "issue_text": "x"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert!(
        r["result"]["structuredContent"]["next_step"]
            .as_str()
            .unwrap()
            .contains("path"),
        "{r}"
    );

    // An issue number without GITHUB_TOKEN says to pass the text instead.
    let repo = buggy_repo();
    let r = mcp
        .call(
            5,
            "octagit_run",
            json!({"repo": repo.path().display().to_string(), "issue_number": 3}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    let t = text(&r);
    assert!(
        t.contains("GITHUB_TOKEN") && t.contains("issue_text"),
        "{t}"
    );

    // No model at all: the audit says so as a tool error with its next step.
    let r = mcp
        .call(
            6,
            "octagit_audit",
            json!({"repo": repo.path().display().to_string(), "issue_text": "value is broken"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("Next step: set one of"), "{}", text(&r));

    // Still serving.
    let list = mcp.request(7, "tools/list", json!({})).await;
    assert_eq!(
        list["result"]["tools"].as_array().unwrap().len(),
        4,
        "{list}"
    );
    assert!(
        mcp.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_run_stops_it_and_keeps_the_artefacts() {
    let mock = MockLlm::start().await;
    // The first model turn takes a while: the cancellation arrives while it is in flight.
    let read = json!({"path": "value.txt"}).to_string();
    mock.openai(
        Reply::text("")
            .tool_call("call_1", "read_file", &read)
            .openai()
            .set_delay(Duration::from_secs(3)),
    );
    mock.set_default(
        Endpoint::OpenAiChat,
        Reply::text("")
            .tool_call("call_x", "read_file", &read)
            .openai(),
    );
    let repo = buggy_repo();
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("run");
    let mut mcp = Mcp::spawn(&openai_env(&mock));
    mcp.initialize().await;
    mcp.send(json!({
        "jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "octagit_run", "arguments": run_args(repo.path(), &run_dir), "_meta": {"progressToken": 99}},
    }))
    .await;
    // Wait until the agent has started (the baseline stage is reported just before it).
    loop {
        let msg = mcp.recv().await;
        assert!(msg.get("id").is_none(), "answered before the cancel: {msg}");
        let baseline = msg["params"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("baseline"));
        mcp.notifications.push(msg);
        if baseline {
            break;
        }
    }
    mcp.send(json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 9, "reason": "user pressed stop"},
    }))
    .await;
    let started = std::time::Instant::now();
    let rec = loop {
        if let Ok(rec) = octagit::run_record::RunRecord::read(&run_dir)
            && rec.finished_at.is_some()
        {
            break rec;
        }
        assert!(
            started.elapsed() < ANSWER_TIMEOUT,
            "the cancelled run never finished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        rec.failure_class(),
        Some(octagit::failure::FailureClass::Cancelled),
        "{:?}",
        rec.failure
    );
    assert_eq!(rec.turns, 1, "stopped after the turn in flight");
    assert!(rec.advice.is_some());
    for f in ["run.json", "report.html", "summary.md", "terrain.svg"] {
        assert!(run_dir.join(f).exists(), "{f} missing");
    }
    // The server keeps serving after a cancelled call.
    let list = mcp.request(10, "tools/list", json!({})).await;
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terrain_writes_the_svg_and_describes_the_peaks() {
    let repo = TempRepo::with_files(&[
        (
            "src/big.rs",
            "pub fn a() {}\npub fn b() {}\npub fn c() {}\npub struct S;\nimpl S { pub fn d(&self) {} }\n",
        ),
        ("src/small.rs", "pub fn e() {}\n"),
        ("README.md", "# demo\n"),
    ]);
    let mut mcp = Mcp::spawn(&[]);
    mcp.initialize().await;
    let r = mcp
        .call(
            1,
            "octagit_terrain",
            json!({"repo": repo.path().display().to_string()}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    let data = &r["result"]["structuredContent"];
    let svg = Path::new(data["svg_path"].as_str().unwrap());
    assert_eq!(svg, repo.path().join(".octagit/terrain.svg"));
    assert!(std::fs::read_to_string(svg).unwrap().contains("<svg"));
    assert!(
        data["description"].as_str().unwrap().contains("src/big.rs"),
        "{data}"
    );
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "the SVG stays out of git's view"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_pr_pushes_the_edits_and_opens_a_draft() {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/widget/pulls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "number": 12, "html_url": "https://github.com/octo/widget/pull/12", "draft": true,
            "state": "open", "head": {"ref": "octagit/issue-7-value-is-broken"},
        })))
        .expect(1)
        .mount(&github)
        .await;
    let repo = buggy_repo();
    let bare = repo.with_bare_remote();
    repo.write("value.txt", "fixed\n");
    let mut mcp = Mcp::spawn(&[
        ("GITHUB_TOKEN", GITHUB_TOKEN.to_string()),
        ("GITHUB_API_URL", github.uri()),
    ]);
    mcp.initialize().await;
    let r = mcp
        .call(
            1,
            "octagit_open_pr",
            json!({
                "repo": repo.path().display().to_string(),
                "issue_number": 7,
                "issue_title": "value is broken",
                "github_repo": "octo/widget",
                "summary": "value.txt now says fixed",
            }),
        )
        .await;
    assert!(!is_error(&r), "{r}\n{}", mcp.stderr());
    let data = &r["result"]["structuredContent"];
    assert_eq!(data["pr_url"], "https://github.com/octo/widget/pull/12");
    assert_eq!(data["branch"], "octagit/issue-7-value-is-broken");
    assert!(
        text(&r).contains("Opened draft pull request"),
        "{}",
        text(&r)
    );
    assert_eq!(
        bare.show("octagit/issue-7-value-is-broken", "value.txt"),
        "fixed\n"
    );
    let sent = github.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["draft"], true);
    assert_eq!(body["base"], "main");
    assert!(body["body"].as_str().unwrap().contains("Fixes #7"));
    assert!(!r.to_string().contains(GITHUB_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_number_is_fetched_from_github() {
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/widget/issues/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": 3, "title": "value is broken", "body": "value.txt should say fixed",
            "state": "open", "locked": false, "labels": [],
            "html_url": "https://github.com/octo/widget/issues/3",
        })))
        .expect(1)
        .mount(&github)
        .await;
    let mock = MockLlm::start().await;
    script_fix(&mock);
    let repo = buggy_repo();
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("run");
    let mut env = openai_env(&mock);
    env.extend([
        ("GITHUB_TOKEN", GITHUB_TOKEN.to_string()),
        ("GITHUB_API_URL", github.uri()),
    ]);
    let mut mcp = Mcp::spawn(&env);
    mcp.initialize().await;
    let mut args = run_args(repo.path(), &run_dir);
    args.as_object_mut().unwrap().remove("issue_text");
    args["issue_number"] = json!(3);
    args["github_repo"] = json!("octo/widget");
    let r = mcp.call(1, "octagit_run", args).await;
    assert!(!is_error(&r), "{r}\n{}", mcp.stderr());
    let rec = octagit::run_record::RunRecord::read(&run_dir).unwrap();
    assert_eq!(rec.task.issue_title, "value is broken");
    assert_eq!(rec.task.issue_number, Some(3));
    assert_eq!(
        rec.task.issue_url.as_deref(),
        Some("https://github.com/octo/widget/issues/3")
    );
    let first = &mock.requests(Endpoint::OpenAiChat).await[0];
    assert!(
        first.body.contains("value.txt should say fixed"),
        "the fetched body reaches the model"
    );
    assert!(!r.to_string().contains(GITHUB_TOKEN));
}

/// A `scripted/` slug is a canned transcript, not a model: an MCP client cannot name one,
/// and a negative cost cap (which would read as "unlimited") is refused like the file's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_slugs_and_bad_limits_are_refused_by_name() {
    let repo = buggy_repo();
    let out = tempfile::tempdir().unwrap();
    let mut mcp = Mcp::spawn(&[]);
    mcp.initialize().await;
    let mut args = run_args(repo.path(), out.path());
    args["fallback_chain"] = json!(["scripted//tmp/transcript.json"]);
    let r = mcp.call(1, "octagit_run", args).await;
    let t = text(&r);
    assert!(is_error(&r), "{r}");
    assert!(
        t.contains("argument `model`/`fallback_chain`") && t.contains("scripted model"),
        "{t}"
    );
    let mut args = run_args(repo.path(), out.path());
    args["max_cost_usd"] = json!(-1.0);
    let r = mcp.call(2, "octagit_run", args).await;
    let t = text(&r);
    assert!(is_error(&r), "{r}");
    assert!(
        t.contains("argument `max_cost_usd`") && t.contains("non-negative"),
        "{t}"
    );
    let r = mcp
        .call(
            3,
            "octagit_audit",
            json!({"repo": repo.path().display().to_string(), "issue_text": "x",
                   "fallback_chain": ["scripted/x.json"]}),
        )
        .await;
    assert!(is_error(&r) && text(&r).contains("scripted model"), "{r}");
}
