//! The agent's tools over a real temp git repository: every tool's happy path and errors,
//! and every path-escape attempt refused.

use std::time::Duration;

use octagit::agent::tools::{Signal, ToolOutcome, Tools, specs};
use octagit::agent::workspace::{Workspace, WorkspaceError};
use octagit::gate::{Gate, GateCommand};
use octagit::provider::ToolCall;

use crate::support::repo::TempRepo;

const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n";

fn repo() -> TempRepo {
    TempRepo::with_files(&[
        ("calc.py", CALC),
        (
            "tests/test_calc.py",
            "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        ),
        ("src/deep/util.py", "X = 1\n"),
        (".github/workflows/ci.yml", "on: push\n"),
        (".gitignore", "build/\n"),
        ("build/generated.py", "def add(): pass\n"),
    ])
}

fn tools(r: &TempRepo) -> Tools {
    let ws = Workspace::new(r.path(), &[".github/workflows/**".to_string()]).unwrap();
    Tools::new(ws)
}

async fn call(t: &mut Tools, name: &str, args: serde_json::Value) -> ToolOutcome {
    call_raw(t, name, &args.to_string()).await
}

async fn call_raw(t: &mut Tools, name: &str, args: &str) -> ToolOutcome {
    t.call(&ToolCall {
        id: "c1".into(),
        name: name.into(),
        arguments: args.into(),
    })
    .await
}

#[tokio::test]
async fn read_file_numbers_lines_and_takes_a_range() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(&mut t, "read_file", serde_json::json!({"path": "calc.py"})).await;
    assert!(!out.is_error, "{}", out.content);
    assert!(
        out.content.starts_with("calc.py (lines 1-6 of 6)\n"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("    2\t    return a - b\n"),
        "{}",
        out.content
    );
    assert_eq!(out.explored.as_deref(), Some("calc.py"));

    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": "./calc.py", "start_line": 5, "end_line": "6"}),
    )
    .await;
    assert!(
        out.content
            .starts_with("calc.py (lines 5-6 of 6)\n    5\tdef sub"),
        "{}",
        out.content
    );
    assert!(!out.content.contains("def add"));

    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": "calc.py", "start_line": 40}),
    )
    .await;
    assert!(
        out.is_error && out.content.contains("has 6 lines"),
        "{}",
        out.content
    );
}

#[tokio::test]
async fn read_file_truncates_at_the_budget_and_says_where_to_continue() {
    let r = repo();
    let long: String = (1..=2000).map(|i| format!("line number {i}\n")).collect();
    r.write("long.txt", &long);
    let ws = Workspace::new(r.path(), &[]).unwrap();
    let mut t = Tools::new(ws).with_budget(1000);
    let out = call(&mut t, "read_file", serde_json::json!({"path": "long.txt"})).await;
    assert!(out.content.len() <= 1100, "{}", out.content.len());
    let resume =
        regex::Regex::new(r"\[truncated: (\d+) more bytes; continue with start_line=(\d+)\]")
            .unwrap();
    let caps = resume.captures(&out.content).expect("truncation said");
    let next: usize = caps[2].parse().unwrap();
    assert!(out.content.contains(&format!("line number {}\n", next - 1)));
    assert!(!out.content.contains(&format!("line number {next}\n")));
    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": "long.txt", "start_line": next}),
    )
    .await;
    assert!(
        out.content
            .contains(&format!("{next:>5}\tline number {next}\n")),
        "{}",
        out.content
    );
}

#[tokio::test]
async fn missing_file_names_files_with_that_name() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(&mut t, "read_file", serde_json::json!({"path": "util.py"})).await;
    assert!(out.is_error);
    assert_eq!(out.signal, Some(Signal::MissingFile));
    assert!(out.content.contains("src/deep/util.py"), "{}", out.content);

    let out = call(&mut t, "read_file", serde_json::json!({"path": "src"})).await;
    assert!(
        out.is_error && out.content.contains("list_dir"),
        "{}",
        out.content
    );
}

#[tokio::test]
async fn binary_files_are_refused_for_read_and_edit() {
    let r = repo();
    std::fs::write(r.path().join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let mut t = tools(&r);
    let out = call(&mut t, "read_file", serde_json::json!({"path": "logo.png"})).await;
    assert!(
        out.is_error && out.content.contains("binary"),
        "{}",
        out.content
    );
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "logo.png", "old_text": "PNG", "new_text": "GIF"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::Unsupported));
    assert!(out.content.contains("binary"), "{}", out.content);
}

#[tokio::test]
async fn oversized_files_are_refused_for_edit() {
    let r = repo();
    r.write("big.txt", &"x".repeat(1024 * 1024 + 1));
    let mut t = tools(&r);
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "big.txt", "old_text": "x", "new_text": "y"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::Unsupported));
    assert!(out.content.contains("limit"), "{}", out.content);
    assert_eq!(
        std::fs::metadata(r.path().join("big.txt")).unwrap().len(),
        1024 * 1024 + 1
    );
}

#[tokio::test]
async fn list_dir_hides_git_and_marks_directories() {
    let r = repo();
    let mut t = tools(&r);
    let out = call_raw(&mut t, "list_dir", "").await;
    assert!(!out.is_error, "{}", out.content);
    let lines: Vec<&str> = out.content.lines().skip(1).collect();
    assert!(lines.contains(&"calc.py") && lines.contains(&"src/") && lines.contains(&".github/"));
    assert!(!lines.iter().any(|l| l.starts_with(".git/")), "{lines:?}");
    let out = call(&mut t, "list_dir", serde_json::json!({"path": "src/deep"})).await;
    assert!(out.content.contains("util.py"), "{}", out.content);
    let out = call(&mut t, "list_dir", serde_json::json!({"path": ".git"})).await;
    assert_eq!(out.signal, Some(Signal::Refused));
}

#[tokio::test]
async fn search_is_regex_and_gitignore_aware() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(
        &mut t,
        "search",
        serde_json::json!({"pattern": r"def \w+\(a, b\)"}),
    )
    .await;
    assert!(!out.is_error, "{}", out.content);
    assert!(
        out.content.contains("calc.py:1: def add(a, b):"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("calc.py:5: def sub(a, b):"),
        "{}",
        out.content
    );
    assert!(
        !out.content.contains("build/generated.py"),
        "ignored files are skipped: {}",
        out.content
    );

    let out = call(
        &mut t,
        "search",
        serde_json::json!({"pattern": "assert", "path": "tests"}),
    )
    .await;
    assert_eq!(
        out.content,
        "tests/test_calc.py:4:     assert add(1, 2) == 3\n"
    );

    let out = call(
        &mut t,
        "search",
        serde_json::json!({"pattern": "return", "max_results": 1}),
    )
    .await;
    assert!(
        out.content
            .contains("[truncated: more than 1 matching lines"),
        "{}",
        out.content
    );

    // An invalid regex is searched for literally, and said.
    let out = call(&mut t, "search", serde_json::json!({"pattern": "add(1,"})).await;
    assert!(out.content.contains("not a valid regex"), "{}", out.content);
    assert!(
        out.content.contains("tests/test_calc.py:4:"),
        "{}",
        out.content
    );

    let out = call(
        &mut t,
        "search",
        serde_json::json!({"pattern": "zzz_nothing"}),
    )
    .await;
    assert!(
        !out.is_error && out.content.starts_with("no match"),
        "{}",
        out.content
    );

    let out = call(
        &mut t,
        "search",
        serde_json::json!({"pattern": "x", "path": "../"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::Refused));
}

#[tokio::test]
async fn edit_file_replaces_unique_text() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "calc.py", "old_text": "def add(a, b):\n    return a - b", "new_text": "def add(a, b):\n    return a + b"}),
    )
    .await;
    assert!(!out.is_error, "{}", out.content);
    assert_eq!(out.edited.as_deref(), Some("calc.py"));
    assert!(
        out.content.contains("    2\t    return a + b"),
        "{}",
        out.content
    );
    assert_eq!(r.read("calc.py"), CALC.replacen("a - b", "a + b", 1));
}

#[tokio::test]
async fn edit_file_errors_tell_the_model_what_it_saw() {
    let r = repo();
    let mut t = tools(&r);
    // Not unique: both functions return a - b.
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "calc.py", "old_text": "    return a - b", "new_text": "    return a + b"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::OldTextNotUnique));
    assert!(
        out.content.contains("occurs 2 times") && out.content.contains("lines 2, 6"),
        "{}",
        out.content
    );

    // Not found, but close: the nearest line is shown with its number.
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "calc.py", "old_text": "def add(x, y):\n    return x - y", "new_text": "z"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::OldTextNotFound));
    assert!(out.signal.unwrap().is_hallucination());
    assert!(out.content.contains("line 1;"), "{}", out.content);
    assert!(
        out.content.contains("    1\tdef add(a, b):"),
        "{}",
        out.content
    );

    // Indentation wrong: the exact text is quoted back.
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "calc.py", "old_text": "def sub(a, b):\n  return a - b", "new_text": "z"}),
    )
    .await;
    assert!(
        out.content.contains("lines 5-6 if whitespace is ignored"),
        "{}",
        out.content
    );

    // A file that does not exist.
    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "nope.py", "old_text": "a", "new_text": "b"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::MissingFile));
    assert!(out.content.contains("write_file"), "{}", out.content);

    // Nothing changed on disk after all of that.
    assert_eq!(r.read("calc.py"), CALC);
}

#[tokio::test]
async fn write_file_creates_new_files_only() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(
        &mut t,
        "write_file",
        serde_json::json!({"path": "tests/new/test_more.py", "content": "def test_x():\n    pass\n"}),
    )
    .await;
    assert!(!out.is_error, "{}", out.content);
    assert_eq!(out.edited.as_deref(), Some("tests/new/test_more.py"));
    assert_eq!(
        r.read("tests/new/test_more.py"),
        "def test_x():\n    pass\n"
    );

    let out = call(
        &mut t,
        "write_file",
        serde_json::json!({"path": "calc.py", "content": "oops"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::FileExists));
    assert!(out.content.contains("edit_file"), "{}", out.content);
    assert_eq!(r.read("calc.py"), CALC);
}

#[tokio::test]
async fn git_diff_shows_edits_and_new_files() {
    let r = repo();
    let mut t = tools(&r);
    let out = call_raw(&mut t, "git_diff", "{}").await;
    assert!(out.content.starts_with("no changes yet"), "{}", out.content);
    r.write("calc.py", &CALC.replacen("a - b", "a + b", 1));
    r.write("notes.txt", "new file\n");
    let out = call_raw(&mut t, "git_diff", "").await;
    assert!(
        out.content.starts_with("2 file(s) changed"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("-    return a - b\n+    return a + b"),
        "{}",
        out.content
    );
    assert!(out.content.contains("+new file"), "{}", out.content);
}

#[tokio::test]
async fn finish_records_the_summary() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(
        &mut t,
        "finish",
        serde_json::json!({"summary": "add subtracted; it adds now"}),
    )
    .await;
    assert!(!out.is_error);
    assert_eq!(out.finished.as_deref(), Some("add subtracted; it adds now"));
    let out = call(&mut t, "finish", serde_json::json!({"summary": "  "})).await;
    assert_eq!(out.signal, Some(Signal::BadArguments));
    assert!(out.finished.is_none());
}

#[tokio::test]
async fn run_tests_digests_failures_against_the_baseline() {
    let r = repo();
    // A stand-in runner with pytest's real output shape, failing while calc.py subtracts.
    r.write(
        "run_tests.sh",
        "if grep -q 'return a - b' calc.py; then\n\
         echo 'FAILED tests/test_calc.py::test_add - assert -1 == 3'\n\
         echo '1 failed, 2 passed in 0.02s'; exit 1\n\
         else echo '3 passed in 0.02s'; fi\n",
    );
    let ws = Workspace::new(r.path(), &[]).unwrap();
    let gate = Gate::new(
        r.path(),
        GateCommand {
            command: "sh run_tests.sh".into(),
            source: "config".into(),
        },
        Duration::from_secs(30),
    );
    let mut t = Tools::new(ws).with_gate(Some(gate));
    let out = call_raw(&mut t, "run_tests", "{}").await;
    assert!(out.is_error);
    let run = out.test_run.clone().expect("test run recorded");
    assert_eq!(
        run.failed_tests,
        vec!["tests/test_calc.py::test_add".to_string()]
    );
    assert!(
        out.content
            .contains("Failing: tests/test_calc.py::test_add"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("If you finish now the gate fails"),
        "{}",
        out.content
    );
    t.set_baseline(run);

    r.write("calc.py", &CALC.replace("a - b", "a + b"));
    let out = call_raw(&mut t, "run_tests", "").await;
    assert!(!out.is_error, "{}", out.content);
    assert!(out.content.contains("PASSED"), "{}", out.content);
    assert!(
        out.content
            .contains("Now passing: tests/test_calc.py::test_add"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("If you finish now the gate passes"),
        "{}",
        out.content
    );

    // Without a gate the tool says so instead of failing silently.
    let mut bare = tools(&r);
    let out = call_raw(&mut bare, "run_tests", "{}").await;
    assert!(
        out.is_error && out.content.contains("no test command"),
        "{}",
        out.content
    );
    assert!(out.test_run.is_none());
}

#[tokio::test]
async fn unknown_tools_and_bad_arguments_give_signals() {
    let r = repo();
    let mut t = tools(&r);
    let out = call(&mut t, "delete_repo", serde_json::json!({})).await;
    assert_eq!(out.signal, Some(Signal::UnknownTool));
    assert!(
        out.content.contains("read_file, list_dir"),
        "{}",
        out.content
    );

    let out = call_raw(&mut t, "read_file", "{\"path\": \"calc.py\"").await;
    assert_eq!(out.signal, Some(Signal::BadArguments));
    assert!(
        out.content.contains("not a JSON object") && out.content.contains("\"path\""),
        "{}",
        out.content
    );

    let out = call_raw(&mut t, "read_file", "[1, 2]").await;
    assert_eq!(out.signal, Some(Signal::BadArguments));

    let out = call(
        &mut t,
        "edit_file",
        serde_json::json!({"path": "calc.py", "new_text": "x"}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::BadArguments));
    assert!(out.content.contains("`old_text`"), "{}", out.content);

    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": ["calc.py"]}),
    )
    .await;
    assert_eq!(out.signal, Some(Signal::BadArguments));

    // Doubly encoded JSON, which some models send, is accepted.
    let doubled =
        serde_json::to_string(&serde_json::json!({"path": "calc.py"}).to_string()).unwrap();
    let out = call_raw(&mut t, "read_file", &doubled).await;
    assert!(!out.is_error, "{}", out.content);

    assert_eq!(specs().len(), 8);
}

#[tokio::test]
async fn results_are_redacted() {
    let r = repo();
    r.write(
        "leak.txt",
        "token = ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
    );
    let mut t = tools(&r);
    let out = call(&mut t, "read_file", serde_json::json!({"path": "leak.txt"})).await;
    assert!(!out.content.contains("ghp_abc"), "{}", out.content);
    assert!(out.content.contains("***"));
}

#[tokio::test]
async fn path_escapes_are_all_refused() {
    let r = repo();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), r.path().join("out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), r.path().join("link.txt"))
        .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("nothing-yet.txt"),
        r.path().join("dangling.txt"),
    )
    .unwrap();
    let mut t = tools(&r);

    let reads = [
        "../x",
        "/etc/passwd",
        "sub/../../x",
        ".git/config",
        "src/../.git/HEAD",
        "out/secret.txt",
        "link.txt",
    ];
    for path in reads {
        let out = call(&mut t, "read_file", serde_json::json!({"path": path})).await;
        assert_eq!(
            out.signal,
            Some(Signal::Refused),
            "read {path}: {}",
            out.content
        );
        assert!(out.content.starts_with("refused: "), "{}", out.content);
        assert!(!out.content.contains("outside\n"));
    }
    let writes = [
        "../x",
        "/tmp/octagit-escape.txt",
        "sub/../../x",
        ".git/config",
        ".git/hooks/pre-commit",
        "out/new.txt",
        "link.txt",
        "dangling.txt",
        ".github/workflows/x.yml",
        ".github/workflows/ci.yml",
    ];
    for path in writes {
        let out = call(
            &mut t,
            "write_file",
            serde_json::json!({"path": path, "content": "pwned"}),
        )
        .await;
        assert_eq!(
            out.signal,
            Some(Signal::Refused),
            "write {path}: {}",
            out.content
        );
        let out = call(
            &mut t,
            "edit_file",
            serde_json::json!({"path": path, "old_text": "on: push", "new_text": "on: pull_request_target"}),
        )
        .await;
        assert_eq!(
            out.signal,
            Some(Signal::Refused),
            "edit {path}: {}",
            out.content
        );
    }
    assert!(!outside.path().join("nothing-yet.txt").exists());
    assert!(!outside.path().join("new.txt").exists());
    assert!(!std::path::Path::new("/tmp/octagit-escape.txt").exists());
    assert_eq!(r.read(".github/workflows/ci.yml"), "on: push\n");
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
        "outside\n"
    );

    // The model is told why, in words it can act on.
    let out = call(&mut t, "read_file", serde_json::json!({"path": "../x"})).await;
    assert_eq!(
        out.content,
        "refused: `../x` leaves the repository; paths are relative to the repo root"
    );
    let out = call(
        &mut t,
        "write_file",
        serde_json::json!({"path": ".github/workflows/x.yml", "content": "x"}),
    )
    .await;
    assert!(
        out.content.contains("protected") && out.content.contains(".github/workflows/**"),
        "{}",
        out.content
    );

    // Reading a workflow is fine; so is an absolute path inside the repo.
    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": ".github/workflows/ci.yml"}),
    )
    .await;
    assert!(!out.is_error, "{}", out.content);
    let abs = r.path().join("calc.py");
    let out = call(
        &mut t,
        "read_file",
        serde_json::json!({"path": abs.to_str().unwrap()}),
    )
    .await;
    assert!(!out.is_error, "{}", out.content);
    assert_eq!(out.explored.as_deref(), Some("calc.py"));
}

#[test]
fn symlinks_inside_the_repo_are_followed_and_protection_applies_to_the_target() {
    let r = repo();
    std::os::unix::fs::symlink(r.path().join("src"), r.path().join("alias")).unwrap();
    std::os::unix::fs::symlink(r.path().join(".github/workflows"), r.path().join("wf")).unwrap();
    std::os::unix::fs::symlink(r.path().join(".git"), r.path().join("g")).unwrap();
    let ws = Workspace::new(r.path(), &[".github/workflows/**".to_string()]).unwrap();
    let root = ws.root().to_path_buf();
    assert_eq!(
        ws.resolve_read("alias/deep/util.py").unwrap(),
        root.join("src/deep/util.py")
    );
    assert_eq!(
        ws.resolve_write("alias/new.py").unwrap(),
        root.join("src/new.py")
    );
    assert!(matches!(
        ws.resolve_write("wf/ci.yml"),
        Err(WorkspaceError::Protected { .. })
    ));
    assert!(matches!(
        ws.resolve_read("g/config"),
        Err(WorkspaceError::GitDir(_))
    ));
}
