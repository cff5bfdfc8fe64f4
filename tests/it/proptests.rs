//! Property tests over the inputs strangers control: event payloads, the config file, the
//! bodies providers answer with, the model's tool calls and paths, and the text that leaves
//! the process. This is the fuzzing that runs in CI: cargo-fuzz needs a nightly toolchain,
//! so the targets under fuzz/ mirror these properties for machines that have one.
//!
//! Case counts are tuned so the whole module stays well under a minute in a debug build;
//! `PROPTEST_CASES=N` overrides every count here (for a longer local run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

use octagit::agent::tools::{Signal, TOOL_NAMES, Tools};
use octagit::agent::workspace::Workspace;
use octagit::config::{CONFIG_PATH, Config};
use octagit::failure::{FailureClass, classify_embedded_error, classify_http};
use octagit::github::event::{Event, Mode, TriggerSettings, decide};
use octagit::provider::ToolCall;

use crate::support::repo::git_in;

/// `PROPTEST_CASES` when set, else this module's tuned default for the property.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    // No regression files written into the source tree: a failure prints its minimal case.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn one_line(s: &str) -> bool {
    !s.contains('\n') && !s.contains('\r')
}

// ---------------------------------------------------------------------------------------
// Generators

/// Keys the parsers look for, so random objects hit real fields, not only unknown ones.
const KEYS: &[&str] = &[
    "action",
    "issue",
    "comment",
    "label",
    "labels",
    "sender",
    "repository",
    "inputs",
    "schedule",
    "number",
    "title",
    "body",
    "state",
    "locked",
    "html_url",
    "pull_request",
    "user",
    "login",
    "type",
    "name",
    "id",
    "full_name",
    "default_branch",
    "issue-number",
    "issue_number",
    "error",
    "message",
    "code",
    "status",
];

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => prop::sample::select(vec![
            "opened", "labeled", "created", "octagit", "/octagit", "/octagit please", "Bot",
            "github-actions[bot]", "User", "12", "#7", "-1", "0", "18446744073709551616", "",
            "\n/octagit\n", "line\nbreak", "\r\n", "rate_limit", "insufficient_quota", "prompt is too long",
        ]).prop_map(str::to_string),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => any::<String>()], inner),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn valid_issue_payload() -> Value {
    json!({
        "action": "labeled",
        "issue": {"number": 7, "title": "Crash", "body": "It crashes", "state": "open", "locked": false,
                  "labels": [{"name": "octagit"}], "html_url": "https://github.com/o/r/issues/7",
                  "user": {"login": "alice", "type": "User"}},
        "comment": {"id": 9, "body": "/octagit", "user": {"login": "bob", "type": "User"}},
        "label": {"name": "octagit"},
        "sender": {"login": "alice", "type": "User"},
        "repository": {"full_name": "o/r", "default_branch": "main"},
        "inputs": {"issue-number": "7"}
    })
}

/// Replace the value at a random path of `base` (descending through objects) with `with`.
fn mutate(base: &mut Value, path: &[prop::sample::Index], with: Value) {
    match base {
        Value::Object(map) if !map.is_empty() && !path.is_empty() => {
            let key = map
                .keys()
                .nth(path[0].index(map.len()))
                .cloned()
                .expect("index in range");
            let child = map.get_mut(&key).expect("key exists");
            if path.len() == 1 || !child.is_object() {
                *child = with;
            } else {
                mutate(child, &path[1..], with);
            }
        }
        other => *other = with,
    }
}

const EVENT_NAMES: &[&str] = &[
    "issues",
    "issue_comment",
    "workflow_dispatch",
    "schedule",
    "repository_dispatch",
    "push",
    "pull_request",
];

fn settings(mode: Mode) -> TriggerSettings {
    TriggerSettings {
        label: "octagit".into(),
        phrase: "/octagit".into(),
        mode,
        issue_number: None,
    }
}

/// Parse, and when the payload is accepted, decide in every mode: neither may panic, and
/// every error is one line a person can read in a log.
fn check_event(name: &str, text: &str) -> Result<(), TestCaseError> {
    match Event::parse(name, text) {
        Ok(event) => {
            for mode in [Mode::Fix, Mode::Triage, Mode::Audit] {
                if let Err(e) = decide(&event, &settings(mode)) {
                    prop_assert!(one_line(&e.to_string()), "multi-line decide error: {e}");
                }
            }
            let _ = event.input("issue-number");
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(one_line(&msg), "multi-line parse error: {msg:?}");
            prop_assert!(
                msg.contains(name),
                "the error does not name the event: {msg}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn event_parse_survives_arbitrary_bytes(name in prop::sample::select(EVENT_NAMES), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_event(name, &String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn event_parse_survives_arbitrary_json(name in prop::sample::select(EVENT_NAMES), v in json_value()) {
        check_event(name, &v.to_string())?;
    }

    #[test]
    fn event_parse_survives_mutated_real_payloads(
        name in prop::sample::select(EVENT_NAMES),
        path in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        with in json_value(),
    ) {
        let mut payload = valid_issue_payload();
        mutate(&mut payload, &path, with);
        check_event(name, &payload.to_string())?;
    }
}

// ---------------------------------------------------------------------------------------
// Config

const VALID_CONFIG: &str = "test_command: pytest -q
setup_command: pip install -e .
fallback_chain: [anthropic/claude-sonnet-4-5, openai/gpt-4o-mini]
max_turns: 12
max_cost_usd: 0.5
max_minutes: 10
protected_paths: [\".github/**\", \"secrets/**\"]
base_branch: main
draft: false
branch_prefix: bot/
min_permission: write
trigger:
  label: fix-me
  phrase: /fix
providers:
  openai:
    base_url: http://127.0.0.1:9999/v1
    api_key_env: MY_OPENAI_KEY
";

/// Errors start with `.github/octagit.yml:<line>:` and are one line.
fn check_config(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = Config::from_yaml(text, CONFIG_PATH) {
        let msg = e.to_string();
        prop_assert!(one_line(&msg), "multi-line config error: {msg:?}");
        let rest = msg.strip_prefix(".github/octagit.yml:");
        prop_assert!(rest.is_some(), "error does not name the file: {msg}");
        let rest = rest.unwrap_or_default();
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        prop_assert!(
            digits > 0 && rest[digits..].starts_with(':'),
            "error does not name a line: {msg}"
        );
        let line: usize = rest[..digits].parse().unwrap_or(0);
        prop_assert!(
            line >= 1 && line <= text.lines().count().max(1) + 1,
            "line {line} is not in the file: {msg}"
        );
    }
    Ok(())
}

/// YAML-ish fragments that make mutations meaningful: scalars of every type, flow and
/// block collections, anchors, tags, quotes with escapes, control characters.
fn yaml_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => prop::sample::select(vec![
            "", " ", "\n", ":", ": ", "- ", "[", "]", "{", "}", "\"", "'", "#", "&a ", "*a", "!!str ",
            "!!binary ", "~", "null", "true", "0", "-1", "1e400", ".nan", "0x10", "4294967296",
            "\"a\\nb\"", "'x\ny'", "\"\\u0000\"", "|\n  block\n", ">\n  folded\n", "<<: *a\n",
            "\t", "\u{FEFF}", "---\n", "...\n", "? ", "%YAML 1.2\n", "min_permission: \"a\\nb\"\n",
            "fallback_chain: [\"x\\ny/z\"]\n", "providers: {\"a\\nb\": {}}\n", "max_cost_usd: .inf\n",
        ]).prop_map(str::to_string),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn config_survives_arbitrary_text(text in any::<String>()) {
        check_config(&text)?;
    }

    #[test]
    fn config_survives_mutated_valid_files(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, yaml_fragment()), 1..5),
    ) {
        let mut text = VALID_CONFIG.to_string();
        for (at, cut, insert) in edits {
            // Cut a few characters at a char boundary and insert a fragment there.
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let start = bounds[at.index(bounds.len())];
            let end = bounds.iter().copied().find(|&b| b >= start + cut).unwrap_or(text.len());
            text.replace_range(start..end, &insert);
        }
        check_config(&text)?;
    }

    #[test]
    fn config_survives_hostile_values_for_every_key(
        key in prop::sample::select(vec![
            "test_command", "setup_command", "fallback_chain", "max_turns", "max_cost_usd", "max_minutes",
            "protected_paths", "base_branch", "draft", "branch_prefix", "wip_suffix", "trigger", "providers",
            "request_timeout_secs", "test_timeout_secs", "min_permission",
        ]),
        value in json_value(),
    ) {
        // JSON is YAML: every value shape under every key, including strings with newlines.
        check_config(&format!("draft: true\n{key}: {value}\n"))?;
    }
}

#[test]
fn config_errors_stay_one_line_when_values_hold_newlines() {
    // Values are echoed in errors; a quoted newline must not split the message.
    for text in [
        "min_permission: \"a\\nb\"\n",
        "fallback_chain: [\"x\\ny/z\"]\n",
        "fallback_chain: [\"openai/\\n\"]\n",
        "providers: {\"a\\nb\": {}}\n",
        "max_turns: \"1\\n2\"\n",
        "draft: \"yes\\nno\"\n",
        "trigger: {label: 1, phrase: [\"\\n\"]}\n",
        "\"un\\nknown\": 1\n",
    ] {
        let err = Config::from_yaml(text, CONFIG_PATH).expect_err(text);
        let msg = err.to_string();
        assert!(one_line(&msg), "{text:?} gives a multi-line error: {msg:?}");
        assert!(msg.starts_with(".github/octagit.yml:1:"), "{text:?}: {msg}");
    }
}

#[test]
fn config_survives_deep_nesting() {
    // A stack overflow would abort the whole test binary, not fail one test.
    for depth in [100usize, 10_000] {
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let text = format!(
                "fallback_chain: {}{}\n",
                open.repeat(depth),
                close.repeat(depth)
            );
            let _ = Config::from_yaml(&text, CONFIG_PATH);
        }
        let block: String = (0..depth.min(2_000))
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect();
        let _ = Config::from_yaml(&format!("protected_paths:\n{block}"), CONFIG_PATH);
    }
    // Alias expansion ("billion laughs") stays bounded.
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                  protected_paths: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let started = std::time::Instant::now();
    let _ = Config::from_yaml(laughs, CONFIG_PATH);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "alias expansion took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Failure classifier

const MODEL_CLASSES: [FailureClass; 8] = [
    FailureClass::Rate,
    FailureClass::BadRequest,
    FailureClass::Transient,
    FailureClass::Context,
    FailureClass::Auth,
    FailureClass::Billing,
    FailureClass::BadModel,
    FailureClass::Hallucination,
];

fn error_body() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => json_value().prop_map(|v| v.to_string()),
        2 => (json_value(), json_value()).prop_map(|(code, message)| json!({"error": {"code": code, "message": message}}).to_string()),
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn classify_http_always_gives_a_model_class(status in any::<u16>(), body in error_body()) {
        let class = classify_http(status, &body);
        prop_assert!(MODEL_CLASSES.contains(&class), "{status} {body:?} -> {class}");
    }

    #[test]
    fn classify_embedded_error_always_gives_a_model_class(v in json_value(), wrap in any::<bool>()) {
        let body = if wrap { json!({"id": "x", "error": v}) } else { v };
        if let Some((class, _message)) = classify_embedded_error(&body) {
            prop_assert!(MODEL_CLASSES.contains(&class), "{body} -> {class}");
        } else {
            prop_assert!(body.get("error").is_none(), "an `error` member was not classified: {body}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tool calls and path confinement

/// A repository at `<base>/repo` with an `outside` sibling that nothing may touch, and the
/// symlinks a hostile repository could hold.
struct Sandbox {
    base: tempfile::TempDir,
}

const PROTECTED: [&str; 3] = [".github/workflows/**", "*.pem", "secrets"];

impl Sandbox {
    fn new() -> Sandbox {
        let base = tempfile::tempdir().expect("tempdir");
        let repo = base.path().join("repo");
        let outside = base.path().join("outside");
        for dir in [
            repo.join("sub/deeper"),
            repo.join(".github/workflows"),
            repo.join("secrets"),
            outside.clone(),
        ] {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(outside.join("secret.txt"), "SENTINEL-7f3a9 outside\n").expect("write");
        for (path, text) in [
            ("sub/a.py", "def a():\n    return 1\n"),
            ("sub/deeper/b.rs", "fn b() {}\n"),
            (".github/workflows/ci.yml", "on: push\n"),
            ("secrets/key.txt", "k\n"),
            ("README.md", "# r\n"),
        ] {
            std::fs::write(repo.join(path), text).expect("write");
        }
        git_in(&repo, &["init", "-q", "-b", "main"]);
        git_in(&repo, &["add", "-A"]);
        git_in(
            &repo,
            &[
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@e",
                "commit",
                "-q",
                "-m",
                "init",
            ],
        );
        use std::os::unix::fs::symlink;
        let links: [(&str, PathBuf); 9] = [
            ("out", PathBuf::from("../outside")),
            ("outfile", outside.join("secret.txt")),
            ("dangling", PathBuf::from("../outside/new.txt")),
            ("loop", PathBuf::from("loop")),
            ("inlink", PathBuf::from("sub")),
            ("gitlink", PathBuf::from(".git")),
            ("wflink", PathBuf::from(".github/workflows")),
            ("etc", PathBuf::from("/etc")),
            ("sub/up", PathBuf::from("..")),
        ];
        for (name, target) in links {
            symlink(target, repo.join(name)).expect("symlink");
        }
        Sandbox { base }
    }

    fn repo(&self) -> PathBuf {
        self.base.path().join("repo")
    }

    /// Everything under `dir` (names, sizes), to prove nothing changed there.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, u64> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let meta = e.path().symlink_metadata().expect("metadata");
                if meta.is_dir() {
                    stack.push(e.path());
                }
                out.insert(e.path(), meta.len());
            }
        }
        out
    }
}

/// Path segments a model (or an issue steering it) would try, plus noise.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "..", ".", "", ".git", ".GIT", "sub", "deeper", "a.py", "out", "outfile", "dangling", "loop",
            "inlink", "gitlink", "wflink", "etc", "up", ".github", "workflows", "ci.yml", "secrets",
            "key.pem", ".octagit", "octagit.yml", "passwd", "new.txt", "ünï", "\u{202E}txt.exe",
            "a\0b", "~", "$HOME", "%2e%2e", "..\\..", " .git", ".git ", "\u{FF0E}\u{FF0E}",
        ]).prop_map(str::to_string),
        1 => "[a-z./\\\\~-]{1,6}",
        1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

/// A path: segments joined by `/`, optionally absolute, optionally below the repo root.
fn hostile_path(root: PathBuf) -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..7), 0u8..4).prop_map(move |(segs, lead)| {
        let joined = segs.join("/");
        match lead {
            0 => format!("/{joined}"),
            1 => format!("{}/{joined}", root.display()),
            _ => joined,
        }
    })
}

/// The longest existing ancestor of `p`, canonicalised: where a write to `p` would land.
fn real_anchor(p: &Path) -> PathBuf {
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = cur.canonicalize() {
            return c;
        }
        if !cur.pop() {
            return cur;
        }
    }
}

/// Independent of `Workspace::protected_match`: the globs of [`PROTECTED`] plus the
/// built-in ones, spelled out.
fn is_protected(rel: &str) -> bool {
    let segs: Vec<&str> = rel.split('/').collect();
    rel.starts_with(".github/workflows/")
        || rel == ".github/workflows"
        || segs.iter().any(|s| s.ends_with(".pem") || *s == "secrets")
        || rel.starts_with(".octagit/")
        || rel == ".octagit"
        || rel == ".github/octagit.yml"
}

fn check_confined(ws: &Workspace, resolved: &Path, what: &str) -> Result<(), TestCaseError> {
    let root = ws.root();
    prop_assert!(
        resolved.starts_with(root),
        "{what}: {} is not under {}",
        resolved.display(),
        root.display()
    );
    let anchor = real_anchor(resolved);
    prop_assert!(
        anchor.starts_with(root),
        "{what}: {} really lands at {}",
        resolved.display(),
        anchor.display()
    );
    let rel = ws.relative(resolved);
    prop_assert!(
        !rel.split('/').any(|s| s.eq_ignore_ascii_case(".git")),
        "{what}: {} is inside .git",
        resolved.display()
    );
    let real_rel = ws.relative(&anchor);
    prop_assert!(
        !real_rel.split('/').any(|s| s.eq_ignore_ascii_case(".git")),
        "{what}: {} really lands inside .git",
        resolved.display()
    );
    Ok(())
}

#[test]
fn confinement_holds_for_hostile_paths() {
    let sandbox = Sandbox::new();
    let protected: Vec<String> = PROTECTED.iter().map(|s| s.to_string()).collect();
    let ws = Workspace::new(&sandbox.repo(), &protected).expect("workspace");
    let mut runner = proptest::test_runner::TestRunner::new(cases(1024));
    runner
        .run(&hostile_path(ws.root().to_path_buf()), |path| {
            if let Ok(p) = ws.resolve_read(&path) {
                prop_assert!(!path.contains('\0'), "a NUL path was accepted: {path:?}");
                check_confined(&ws, &p, &format!("read {path:?}"))?;
            }
            if let Ok(p) = ws.resolve_write(&path) {
                check_confined(&ws, &p, &format!("write {path:?}"))?;
                let rel = ws.relative(&p);
                prop_assert!(
                    !rel.is_empty(),
                    "write {path:?} resolved to the root itself"
                );
                prop_assert!(
                    !is_protected(&rel),
                    "write {path:?} resolved to protected {rel}"
                );
                let real = ws.relative(&real_anchor(&p));
                prop_assert!(
                    !is_protected(&real),
                    "write {path:?} really lands on protected {real}"
                );
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

fn tool_arguments(root: PathBuf) -> impl Strategy<Value = String> {
    let path = hostile_path(root);
    let arg_value = prop_oneof![
        4 => path.prop_map(Value::String),
        1 => json_value(),
        1 => any::<u32>().prop_map(|n| json!(n)),
        1 => Just(json!("ok text\n")),
    ];
    let object = prop::collection::vec(
        (
            prop::sample::select(vec![
                "path",
                "start_line",
                "end_line",
                "pattern",
                "max_results",
                "old_text",
                "new_text",
                "content",
                "summary",
                "other",
            ]),
            arg_value,
        ),
        0..5,
    )
    .prop_map(|kv| {
        Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()).to_string()
    });
    prop_oneof![
        4 => object.clone(),
        1 => object.prop_map(|s| Value::String(s).to_string()), // doubly encoded, as models send
        1 => any::<String>(),
        1 => json_value().prop_map(|v| v.to_string()),
    ]
}

fn tool_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TOOL_NAMES.to_vec()).prop_map(str::to_string),
        1 => prop::sample::select(vec![" read_file ", "READ_FILE", "shell", "bash", "exec", "functions.read_file", ""]).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// The argument text is not something `Tools` can read as an object.
fn unparseable(arguments: &str) -> bool {
    let raw = arguments.trim();
    if raw.is_empty() {
        return false;
    }
    let v = match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => serde_json::from_str::<Value>(&s),
        other => other,
    };
    !matches!(v, Ok(Value::Object(_)) | Ok(Value::Null))
}

#[test]
fn tool_calls_never_panic_escape_or_touch_git() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo();
    let outside_before = Sandbox::snapshot(&sandbox.base.path().join("outside"));
    let git_before = Sandbox::snapshot(&repo.join(".git"));
    let protected: Vec<String> = PROTECTED.iter().map(|s| s.to_string()).collect();
    // No test command: `run_tests` answers without running anything.
    let tools = Tools::for_repo(&repo, &protected, None, Duration::from_secs(5)).expect("tools");
    let root = tools.workspace().root().to_path_buf();
    let tools = std::cell::RefCell::new(tools);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut runner = proptest::test_runner::TestRunner::new(cases(384));
    let strategy = (tool_name(), tool_arguments(root));
    runner
        .run(&strategy, |(name, arguments)| {
            let call = ToolCall {
                id: "call_1".into(),
                name: name.clone(),
                arguments: arguments.clone(),
            };
            let mut tools = tools.borrow_mut();
            let out = rt.block_on(tools.call(&call));
            if !TOOL_NAMES.contains(&name.trim()) {
                prop_assert!(
                    out.is_error && out.signal == Some(Signal::UnknownTool),
                    "{name:?}: {out:?}"
                );
            } else if unparseable(&arguments) {
                prop_assert!(
                    out.is_error && out.signal == Some(Signal::BadArguments),
                    "{name} {arguments:?}: {out:?}"
                );
            }
            if out.is_error {
                prop_assert!(
                    !out.content.trim().is_empty(),
                    "an error says nothing: {name} {arguments:?}"
                );
            }
            prop_assert!(
                !out.content.contains("SENTINEL-7f3a9"),
                "read outside: {name} {arguments:?}"
            );
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        Sandbox::snapshot(&sandbox.base.path().join("outside")),
        outside_before,
        "outside/ changed"
    );
    assert_eq!(
        Sandbox::snapshot(&repo.join(".git")),
        git_before,
        ".git changed"
    );
    let names: Vec<_> = std::fs::read_dir(sandbox.base.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "something was created beside the repo: {names:?}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join(".github/workflows/ci.yml")).unwrap(),
        "on: push\n"
    );
}

// ---------------------------------------------------------------------------------------
// Redaction and sanitising

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn registered_secret_never_survives_redaction(
        secret in "[A-Za-z0-9_+/=.*-]{8,48}",
        prefix in any::<String>(),
        suffix in any::<String>(),
        repeat in 1usize..3,
    ) {
        octagit::secret::register(&secret);
        let text = format!("{prefix}{}{suffix}", secret.repeat(repeat));
        let out = octagit::secret::redact(&text);
        prop_assert!(!out.contains(&secret), "{secret:?} survived in {out:?}");
    }

    #[test]
    fn secret_values_never_show(secret in "[A-Za-z0-9_-]{8,48}") {
        let s = octagit::secret::Secret::new(secret.clone());
        for shown in [format!("{s}"), format!("{s:?}"), serde_json::to_string(&s).unwrap_or_default()] {
            prop_assert!(!shown.contains(&secret));
        }
    }
}

fn is_hidden_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

fn issue_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<String>().prop_map(|s| s.chars().take(16).collect::<String>()),
        4 => prop::sample::select(vec![
            "<!--", "-->", "<!", "--", "<", "!", "-", ">", "\u{200B}", "\u{200D}", "\u{202E}", "\u{2066}",
            "\u{FEFF}", "\u{E0041}", "![", "](", ")", "\"", "<img src=x alt=\"", "\">", "\n", " ", "ignore previous instructions",
        ]).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn sanitized_text_hides_nothing(input in issue_text()) {
        let out = octagit::sanitize::sanitize(&input);
        prop_assert!(!out.text.contains("<!--"), "{input:?} -> {:?}", out.text);
        prop_assert!(!out.text.chars().any(is_hidden_char), "{input:?} -> {:?}", out.text);
        if out.text != input {
            prop_assert!(!out.removed.is_empty(), "text changed but nothing was reported: {input:?}");
        }
    }
}
