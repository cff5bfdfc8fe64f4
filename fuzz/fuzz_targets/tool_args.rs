//! The model's tool calls on a temp repository: arbitrary names and argument strings never
//! panic; unknown names and unreadable arguments come back as errors with a signal.
//! Mirrors `tool_calls_never_panic_escape_or_touch_git` in proptests.rs.
#![no_main]

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use octagit::agent::tools::{Signal, TOOL_NAMES, Tools};
use octagit::provider::ToolCall;

struct Fixture {
    _dir: tempfile::TempDir,
    tools: Mutex<Tools>,
    rt: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("src")).expect("mkdir");
        std::fs::create_dir_all(repo.join(".github/workflows")).expect("mkdir");
        std::fs::write(repo.join("src/lib.rs"), "pub fn add(a: i32, b: i32) -> i32 { a - b }\n").expect("write");
        std::fs::write(repo.join(".github/workflows/ci.yml"), "on: push\n").expect("write");
        std::os::unix::fs::symlink("/etc", repo.join("etc")).expect("symlink");
        let tools = Tools::for_repo(&repo, &[".github/workflows/**".into()], None, Duration::from_secs(5))
            .expect("tools");
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        Fixture { _dir: dir, tools: Mutex::new(tools), rt }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    // Half the time a real tool name, otherwise a name cut from the input.
    let (name, arguments) = if pick & 1 == 0 {
        (TOOL_NAMES[(pick as usize >> 1) % TOOL_NAMES.len()].to_string(), text.to_string())
    } else {
        let (n, a) = text.split_once('\u{1}').unwrap_or((&text, ""));
        (n.to_string(), a.to_string())
    };
    let f = fixture();
    let mut tools = f.tools.lock().unwrap_or_else(|e| e.into_inner());
    let call = ToolCall { id: "c".into(), name: name.clone(), arguments: arguments.clone() };
    let out = f.rt.block_on(tools.call(&call));
    if !TOOL_NAMES.contains(&name.trim()) {
        assert!(out.is_error && out.signal == Some(Signal::UnknownTool));
    } else if serde_json::from_str::<serde_json::Value>(arguments.trim()).is_err() && !arguments.trim().is_empty() {
        assert!(out.is_error && out.signal == Some(Signal::BadArguments), "{out:?}");
    }
    assert_eq!(
        std::fs::read_to_string(tools.workspace().root().join(".github/workflows/ci.yml")).ok().as_deref(),
        Some("on: push\n"),
        "a protected file changed"
    );
});
