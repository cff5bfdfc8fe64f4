//! Benchmark of the agent loop's own overhead, with a zero-latency scripted model.
//!
//! `cargo run --release --example bench_loop [-- FILES TURNS]`
//!
//! Generates a repository of FILES Python files (default 1,000), warms the index cache,
//! then runs the whole pipeline with a scripted model that makes TURNS read-only turns
//! and one edit, with `true` as the test command. Prints:
//! - time from the start of `pipeline::run` to the first model request (warm index);
//! - the loop's overhead per turn: the agent stage's time minus the model's (zero) and the
//!   test command's time, divided by the turns.

use std::sync::Arc;
use std::time::Instant;

use octagit::chain::Hop;
use octagit::config::Config;
use octagit::pipeline::{self, Issue, RunOptions};
use octagit::provider::ModelClient;
use octagit::provider::scripted::{Script, ScriptTurn};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let files: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let turns: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    generate(&repo, files);
    let cache = dir.path().join("cache");
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    // Warm the index cache once, as a second run on the same repo would find it.
    let _ = rt.block_on(run(&repo, &cache, dir.path(), 1, "warm"));
    let mut firsts = Vec::new();
    let mut per_turn = Vec::new();
    for i in 0..5 {
        let (first_ms, turn_us) =
            rt.block_on(run(&repo, &cache, dir.path(), turns, &format!("run{i}")));
        firsts.push(first_ms);
        per_turn.push(turn_us);
    }
    firsts.sort_by(f64::total_cmp);
    per_turn.sort_by(f64::total_cmp);
    println!("repo: {files} files, {turns} turns per run, 5 runs (median shown)");
    println!(
        "time to first model request (warm index): {:.1} ms  (target < 300 ms)",
        firsts[2]
    );
    println!(
        "loop overhead per turn: {:.2} ms  (target < 5 ms)",
        per_turn[2] / 1000.0
    );
}

async fn run(
    repo: &std::path::Path,
    cache: &std::path::Path,
    base: &std::path::Path,
    turns: usize,
    name: &str,
) -> (f64, f64) {
    let mut script = Vec::new();
    for i in 0..turns {
        let path = format!("pkg{}/mod{}.py", i % 10, i % 100);
        script.push(turn("read_file", serde_json::json!({"path": path})));
    }
    script.push(turn(
        "edit_file",
        serde_json::json!({"path": "pkg0/mod0.py", "old_text": "return 0", "new_text": "return 1"}),
    ));
    script.push(turn("finish", serde_json::json!({"summary": "done"})));
    let script = Arc::new(Script::new(script));
    let cfg = Config {
        test_command: Some("true".into()),
        max_turns: (turns + 5) as u32,
        ..Config::default()
    };
    let opts = RunOptions {
        out_dir: Some(base.join(name)),
        hops: Some(vec![Hop::new(ModelClient::scripted(
            "bench",
            script.clone(),
        ))]),
        index_cache: Some(cache.to_path_buf()),
        ..Default::default()
    };
    let issue = Issue {
        number: Some(1),
        title: "function f0 returns the wrong value".into(),
        body: "mod0.f0 should return 1".into(),
        url: None,
    };
    let started = Instant::now();
    let outcome = pipeline::run(repo, issue, cfg, opts).await;
    let first = script
        .first_request_at
        .get()
        .map(|t| t.duration_since(started).as_secs_f64() * 1000.0)
        .unwrap_or(f64::NAN);
    let agent_ms = outcome
        .record
        .stages
        .iter()
        .find(|s| s.name == "agent")
        .map(|s| s.duration_ms)
        .unwrap_or(0) as f64;
    let gate_ms = outcome
        .record
        .gate
        .after
        .as_ref()
        .map(|t| t.duration_ms)
        .unwrap_or(0) as f64;
    let turns_done = outcome.record.turns.max(1) as f64;
    (first, (agent_ms - gate_ms) * 1000.0 / turns_done)
}

fn turn(name: &str, args: serde_json::Value) -> ScriptTurn {
    serde_json::from_value(
        serde_json::json!({"text": "", "tool_calls": [{"name": name, "arguments": args}]}),
    )
    .expect("turn")
}

fn generate(repo: &std::path::Path, files: usize) {
    for i in 0..files {
        let path = repo.join(format!("pkg{}/mod{}.py", i % 10, i / 10));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let body = format!(
            "\"\"\"Module {i}.\"\"\"\n\nimport os\n\n\ndef f{i}(x):\n    if x > {i}:\n        return 0\n    return helper{i}(x)\n\n\ndef helper{i}(x):\n    return x * {i}\n\n\nclass Thing{i}:\n    def method(self, y):\n        return f{i}(y)\n"
        );
        std::fs::write(path, body).unwrap();
    }
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm init")
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(status.success());
}
