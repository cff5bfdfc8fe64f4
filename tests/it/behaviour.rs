//! Model behaviour through the real door: `octagit run` against a loopback server that
//! answers like a small local model on llama.cpp's server (200, OpenAI chat-completions
//! body, `finish_reason: "stop"`, text only, whatever tools it is handed: what SmolLM2-135M
//! did on a real run). The audit must mark it "no tool calling", the loop must give up on it
//! after its first few turns, and the advice must name a model with tool calling, never
//! "raise max_turns".

use crate::support::mock_llm::{Endpoint, MockLlm, Reply};
use crate::support::repo::TempRepo;

fn repo_with_local_server(url: &str) -> TempRepo {
    let repo = TempRepo::with_files(&[
        ("value.txt", "broken\n"),
        (
            "check.sh",
            "grep -q fixed value.txt || { echo 'FAIL: value'; exit 1; }\n",
        ),
        (
            ".github/octagit.yml",
            &format!(
                "test_command: sh check.sh\nmax_turns: 12\nproviders:\n  llamacpp:\n    base_url: {url}\n"
            ),
        ),
    ]);
    repo.commit_all("base");
    repo
}

#[tokio::test]
async fn a_prose_only_local_model_gets_advice_about_tool_calling() {
    let mock = MockLlm::start().await;
    mock.set_default(
        Endpoint::OpenAiChat,
        Reply::text("Sure! To fix the value, change the word broken to fixed. I hope this helps!")
            .model("SmolLM2-135M-Instruct")
            .stop_reason("stop")
            .openai(),
    );
    let repo = repo_with_local_server(&mock.openai_base_url());
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("run");
    let issue = out.path().join("issue.md");
    std::fs::write(&issue, "value is broken\nmake value.txt say fixed\n").unwrap();
    let output = tokio::task::spawn_blocking({
        let (repo, run_dir, cache) = (
            repo.path().to_path_buf(),
            run_dir.clone(),
            out.path().join("cache"),
        );
        move || {
            assert_cmd::Command::cargo_bin("octagit")
                .unwrap()
                .args(["run", "--model", "llamacpp/SmolLM2-135M-Instruct", "--repo"])
                .arg(&repo)
                .arg("--issue-file")
                .arg(&issue)
                .arg("--out")
                .arg(&run_dir)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap())
                .env("HOME", cache.join("home"))
                .env("XDG_CACHE_HOME", &cache)
                .env("OCTAGIT_OFFLINE", "1")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let r = octagit::run_record::RunRecord::read(&run_dir).unwrap();
    let f = r.failure.as_ref().unwrap();
    assert_eq!(f.class.as_str(), "bad-model");
    assert_eq!(f.reason.map(|b| b.as_str()), Some("prose-only"));
    assert_eq!(r.behaviour.len(), 1);
    // The hop was abandoned after its first turns, not after the 12-turn budget.
    assert_eq!(
        r.turns,
        octagit::agent::behaviour::FIRST_TURNS_WITHOUT_TOOLS,
        "turns used"
    );
    // Requests that carry the tools: the audit's tool probe, then the agent's turns (the
    // risk note and the advisor's post-mortem go without tools).
    let requests = mock.requests(Endpoint::OpenAiChat).await;
    let with_tools = requests
        .iter()
        .filter(|r| r.json.get("tools").is_some())
        .count() as u32;
    assert_eq!(
        with_tools,
        1 + octagit::agent::behaviour::FIRST_TURNS_WITHOUT_TOOLS,
        "the tool probe, then the turns"
    );
    // The audit's verdict on tool calling is on record and in the table.
    let cand = &r.audit.as_ref().unwrap().candidates[0];
    assert_eq!(cand.supports_tools, Some(false));
    assert!(
        cand.notes
            .iter()
            .any(|n| n.contains("answered in prose when asked to call a tool")),
        "{:?}",
        cand.notes
    );
    let summary = std::fs::read_to_string(run_dir.join("summary.md")).unwrap();
    assert!(summary.contains("llamacpp/SmolLM2-135M-Instruct"));
    let advice = r.advice.as_ref().unwrap();
    assert!(advice.headline.contains("prose"), "{}", advice.headline);
    assert!(
        advice.next_step.contains("tool calling") && advice.next_step.contains("`anthropic/"),
        "{}",
        advice.next_step
    );
    assert!(
        !advice.next_step.contains("max_turns"),
        "{}",
        advice.next_step
    );
    assert!(
        summary.contains("Use a model with tool calling"),
        "the summary carries the next step:\n{summary}"
    );
}
