//! The pre-flight audit against the mock LLM server: real HTTP on loopback in both wire
//! formats, real pricing fetches and caches, the CLI end to end.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use octagit::audit::{AuditInput, FirstPrompt, PricingOptions, run_audit};
use octagit::failure::FailureClass;
use octagit::provider::ProviderEnv;
use octagit::run_record::PriceSource;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::mock_llm::{Endpoint, MockLlm, Reply, anthropic_count_tokens};

const OPENAI_KEY: &str = "sk-proj-audit-test-openai-key-0123456789";
const ANTHROPIC_KEY: &str = "sk-ant-audit-test-anthropic-key-0123456789";

/// Keys for OpenAI and Anthropic, both pointed at `mock`.
fn env_for(mock: &MockLlm) -> ProviderEnv {
    let mut vars = BTreeMap::new();
    vars.insert("OPENAI_API_KEY".to_string(), OPENAI_KEY.to_string());
    vars.insert("OPENAI_BASE_URL".to_string(), mock.openai_base_url());
    vars.insert("ANTHROPIC_API_KEY".to_string(), ANTHROPIC_KEY.to_string());
    vars.insert("ANTHROPIC_BASE_URL".to_string(), mock.anthropic_base_url());
    ProviderEnv {
        vars,
        ..Default::default()
    }
}

fn pricing(dir: &Path, url: String) -> PricingOptions {
    PricingOptions {
        url,
        cache_dir: dir.to_path_buf(),
        timeout: Duration::from_secs(2),
        offline: false,
    }
}

fn offline(dir: &Path) -> PricingOptions {
    PricingOptions {
        offline: true,
        ..pricing(dir, "http://127.0.0.1:9/unused".into())
    }
}

fn input(candidates: &[&str], env: ProviderEnv, pricing: PricingOptions) -> AuditInput {
    AuditInput {
        candidates: candidates.iter().map(|s| s.to_string()).collect(),
        user_chain: false,
        prompt_tokens: 4_000,
        est_turns: 10,
        env,
        pricing,
        first_prompt: None,
    }
}

/// Answer `POST {path}` for one model only (higher priority than the mock's queues).
async fn route(mock: &MockLlm, endpoint: Endpoint, model: &str, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(endpoint.path()))
        .and(body_partial_json(json!({ "model": model })))
        .respond_with(response)
        .with_priority(1)
        .mount(&mock.server)
        .await;
}

/// A LiteLLM-shaped catalogue with these (name, $/Mtok in, $/Mtok out, window, tools).
fn litellm(models: &[(&str, f64, f64, u64, Option<bool>)]) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert(
        "sample_spec".into(),
        json!({"max_input_tokens": "max input tokens"}),
    );
    for (name, i, o, w, t) in models {
        let mut m = json!({
            "litellm_provider": "openai", "mode": "chat", "max_input_tokens": w,
            "input_cost_per_token": i / 1e6, "output_cost_per_token": o / 1e6,
        });
        if let Some(t) = t {
            m["supports_function_calling"] = json!(t);
        }
        obj.insert(name.to_string(), m);
    }
    serde_json::Value::Object(obj).to_string()
}

async fn serve_catalogue(text: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/prices.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(text))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn rate_limit_headers_become_limits_in_both_wire_formats() {
    let mock = MockLlm::start().await;
    mock.openai(
        Reply::text("O")
            .openai_rate_limits((500, 499, "120ms"), (30_000, 29_000, "2s"))
            .openai(),
    );
    mock.anthropic(
        Reply::text("O")
            .anthropic_rate_limits(
                (50, 49, Duration::from_secs(1)),
                (38_000, 37_000, Duration::from_secs(2)),
                (30_000, 29_500, Duration::from_secs(2)),
            )
            .anthropic(),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = run_audit(&input(
        &["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"],
        env_for(&mock),
        offline(dir.path()),
    ))
    .await;

    let o = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/gpt-4o-mini")
        .unwrap();
    assert!(o.reachable && o.viable, "{o:?}");
    assert_eq!((o.tpm_limit, o.tpm_remaining), (Some(30_000), Some(29_000)));
    assert_eq!((o.rpm_limit, o.rpm_remaining), (Some(500), Some(499)));
    assert!(o.probe_ms.is_some());

    let a = report
        .candidates
        .iter()
        .find(|c| c.slug == "anthropic/claude-sonnet-4-5")
        .unwrap();
    assert!(a.reachable && a.viable, "{a:?}");
    assert_eq!((a.tpm_limit, a.tpm_remaining), (Some(38_000), Some(37_000)));
    assert_eq!((a.rpm_limit, a.rpm_remaining), (Some(50), Some(49)));
    // Headroom is the remaining budget over the turn size the report states.
    let h = a.headroom_turns.unwrap();
    assert!(
        (h - 37_000.0 / report.tokens_per_turn as f64).abs() < 1e-9,
        "{h}"
    );

    // The probe is minimal: one output token, no tools where the catalogue knows.
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent[0].json["max_completion_tokens"], 1);
    assert!(sent[0].json.get("tools").is_none());
    let sent = mock.requests(Endpoint::AnthropicMessages).await;
    assert_eq!(sent[0].json["max_tokens"], 1);
}

#[tokio::test]
async fn refused_key_and_exhausted_quota_keep_their_class() {
    let mock = MockLlm::start().await;
    route(
        &mock,
        Endpoint::OpenAiChat,
        "gpt-4o",
        MockLlm::openai_error_invalid_api_key(OPENAI_KEY),
    )
    .await;
    route(
        &mock,
        Endpoint::OpenAiChat,
        "gpt-4o-mini",
        MockLlm::openai_error_insufficient_quota(),
    )
    .await;
    mock.anthropic(Reply::text("O").anthropic());
    let dir = tempfile::tempdir().unwrap();
    let report = run_audit(&input(
        &[
            "openai/gpt-4o",
            "openai/gpt-4o-mini",
            "anthropic/claude-haiku-4-5",
        ],
        env_for(&mock),
        offline(dir.path()),
    ))
    .await;

    let refused = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/gpt-4o")
        .unwrap();
    assert_eq!(refused.class, Some(FailureClass::Auth));
    assert!(!refused.viable && !refused.reachable);
    let reason = refused.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("HTTP 401: Incorrect API key provided"),
        "{reason}"
    );
    assert!(
        refused
            .next_step
            .as_deref()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );

    let broke = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/gpt-4o-mini")
        .unwrap();
    assert_eq!(broke.class, Some(FailureClass::Billing));
    assert!(
        broke
            .reason
            .as_deref()
            .unwrap()
            .contains("exceeded your current quota")
    );

    assert_eq!(report.chain, ["anthropic/claude-haiku-4-5"]);
    // The key the provider echoed never reaches the report.
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(OPENAI_KEY) && !json.contains(ANTHROPIC_KEY));
}

#[tokio::test]
async fn a_short_rate_limit_keeps_the_hop_last_a_long_one_drops_it() {
    let mock = MockLlm::start().await;
    mock.set_default(Endpoint::OpenAiChat, Reply::text("O").openai());
    route(
        &mock,
        Endpoint::AnthropicMessages,
        "claude-haiku-4-5",
        MockLlm::anthropic_error_rate_limit(5),
    )
    .await;
    route(
        &mock,
        Endpoint::AnthropicMessages,
        "claude-sonnet-4-5",
        MockLlm::anthropic_error_rate_limit(3_600),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let report = run_audit(&input(
        &[
            "anthropic/claude-sonnet-4-5",
            "anthropic/claude-haiku-4-5",
            "openai/gpt-4.1",
        ],
        env_for(&mock),
        offline(dir.path()),
    ))
    .await;

    let short = report
        .candidates
        .iter()
        .find(|c| c.slug == "anthropic/claude-haiku-4-5")
        .unwrap();
    assert_eq!(short.class, Some(FailureClass::Rate));
    assert!(short.reachable && short.viable, "{short:?}");
    assert_eq!(short.tpm_remaining, Some(0));
    assert!(
        short.reason.as_deref().unwrap().contains("resets in"),
        "{:?}",
        short.reason
    );
    let long = report
        .candidates
        .iter()
        .find(|c| c.slug == "anthropic/claude-sonnet-4-5")
        .unwrap();
    assert_eq!(long.class, Some(FailureClass::Rate));
    assert!(!long.reachable && !long.viable, "{long:?}");
    // The exhausted budget ranks behind a more expensive hop with room.
    assert_eq!(
        report.chain,
        ["openai/gpt-4.1", "anthropic/claude-haiku-4-5"]
    );
}

#[tokio::test]
async fn a_window_too_small_is_dropped_for_context() {
    let mock = MockLlm::start().await;
    mock.set_default(Endpoint::OpenAiChat, Reply::text("O").openai());
    let prices = serve_catalogue(litellm(&[
        ("gpt-small", 0.1, 0.4, 8_000, Some(true)),
        ("gpt-big", 1.0, 4.0, 128_000, Some(true)),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut inp = input(
        &["openai/gpt-small", "openai/gpt-big"],
        env_for(&mock),
        pricing(dir.path(), format!("{}/prices.json", prices.uri())),
    );
    inp.prompt_tokens = 7_000; // > 75% of 8,000
    let report = run_audit(&inp).await;

    let small = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/gpt-small")
        .unwrap();
    assert!(small.reachable, "the probe answered: {small:?}");
    assert_eq!(small.fits, Some(false));
    assert_eq!(small.class, Some(FailureClass::Context));
    assert!(
        small.reason.as_deref().unwrap().starts_with("too small"),
        "{:?}",
        small.reason
    );
    assert!(!small.viable);
    assert_eq!(small.price_source, PriceSource::Live);
    assert_eq!(report.chain, ["openai/gpt-big"]);
}

#[tokio::test]
async fn anthropic_count_tokens_decides_the_fit() {
    let mock = MockLlm::start().await;
    mock.set_default(Endpoint::AnthropicMessages, Reply::text("O").anthropic());
    // Both candidates have a 200k window: 150,000 is exactly 75%, 150,001 is over.
    route(
        &mock,
        Endpoint::AnthropicCountTokens,
        "claude-sonnet-4-5",
        anthropic_count_tokens(150_000),
    )
    .await;
    route(
        &mock,
        Endpoint::AnthropicCountTokens,
        "claude-haiku-4-5",
        anthropic_count_tokens(150_001),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut inp = input(
        &["anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5"],
        env_for(&mock),
        offline(dir.path()),
    );
    inp.first_prompt = Some(FirstPrompt::new(
        "You fix issues.",
        "Bug: crash on empty input",
        "src/lib.rs",
        &[],
    ));
    inp.prompt_tokens = 0;
    let report = run_audit(&inp).await;

    assert!(
        report.prompt_tokens > 0 && report.prompt_tokens < 100,
        "tiktoken estimate {}",
        report.prompt_tokens
    );
    assert!(
        report.prompt_tokens_method.contains("count_tokens"),
        "{}",
        report.prompt_tokens_method
    );
    let sonnet = report
        .candidates
        .iter()
        .find(|c| c.slug == "anthropic/claude-sonnet-4-5")
        .unwrap();
    assert_eq!(sonnet.prompt_tokens, Some(150_000));
    assert_eq!(sonnet.fits, Some(true));
    let haiku = report
        .candidates
        .iter()
        .find(|c| c.slug == "anthropic/claude-haiku-4-5")
        .unwrap();
    assert_eq!(haiku.fits, Some(false));
    assert_eq!(haiku.class, Some(FailureClass::Context));
    assert_eq!(report.chain, ["anthropic/claude-sonnet-4-5"]);
    let counted = mock.requests(Endpoint::AnthropicCountTokens).await;
    assert_eq!(counted.len(), 2);
    assert_eq!(counted[0].header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(counted[0].json["messages"][0]["role"], "user");
}

/// No key: priced without any network call to a model.
fn unkeyed(pricing: PricingOptions) -> AuditInput {
    input(&["openai/gpt-4o-mini"], ProviderEnv::default(), pricing)
}

fn write_stale_cache(dir: &Path, text: &str) {
    let file = dir.join("litellm-prices.json");
    std::fs::write(&file, text).unwrap();
    let f = std::fs::File::options().write(true).open(&file).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(2 * 24 * 3600))
        .unwrap();
}

#[tokio::test]
async fn cached_prices_are_used_when_the_fetch_fails() {
    // A catalogue price nobody would publish, so the figure proves where it came from.
    let cached = litellm(&[("gpt-4o-mini", 0.123, 0.456, 64_000, Some(true))]);

    // 1. The catalogue server answers 500.
    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&failing)
        .await;
    let dir = tempfile::tempdir().unwrap();
    write_stale_cache(dir.path(), &cached);
    let report = run_audit(&unkeyed(pricing(
        dir.path(),
        format!("{}/prices.json", failing.uri()),
    )))
    .await;
    let c = &report.candidates[0];
    assert_eq!(c.price_source, PriceSource::Cache);
    assert_eq!(c.input_per_mtok.map(|p| (p * 1000.0).round()), Some(123.0));
    assert_eq!(c.context_window, Some(64_000));
    assert!(
        report.pricing_note.as_deref().unwrap().contains("HTTP 500"),
        "{:?}",
        report.pricing_note
    );
    assert_eq!(
        failing.received_requests().await.unwrap().len(),
        1,
        "a stale cache is refreshed first"
    );

    // 2. Nothing listens on the catalogue's port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    write_stale_cache(dir.path(), &cached);
    let report = run_audit(&unkeyed(pricing(
        dir.path(),
        format!("http://127.0.0.1:{port}/p.json"),
    )))
    .await;
    assert_eq!(report.candidates[0].price_source, PriceSource::Cache);
    assert!(
        report
            .pricing_note
            .as_deref()
            .unwrap()
            .contains("could not be reached")
    );

    // 3. Neither cache nor network: the built-in table, with the real list price.
    let dir = tempfile::tempdir().unwrap();
    let report = run_audit(&unkeyed(pricing(
        dir.path(),
        format!("http://127.0.0.1:{port}/p.json"),
    )))
    .await;
    let c = &report.candidates[0];
    assert_eq!(c.price_source, PriceSource::BuiltIn);
    assert_eq!(c.input_per_mtok, Some(0.15));
    assert_eq!(c.context_window, Some(128_000));
    assert_eq!(c.reason.as_deref(), Some("no key: set OPENAI_API_KEY"));
}

#[tokio::test]
async fn openrouter_prices_come_from_its_models_endpoint() {
    let mock = MockLlm::start().await;
    mock.set_default(
        Endpoint::OpenAiModels,
        ResponseTemplate::new(200).set_body_json(json!({"data": [{
            "id": "qwen/qwen3-coder", "context_length": 262_144,
            "pricing": {"prompt": "0.0000002", "completion": "0.0000008"},
            "supported_parameters": ["tools", "max_tokens"]
        }]})),
    );
    mock.set_default(Endpoint::OpenAiChat, Reply::text("O").openai());
    let mut env = ProviderEnv::default();
    env.vars.insert(
        "OPENROUTER_API_KEY".into(),
        "sk-or-v1-audit-test-0123456789abcdef".into(),
    );
    env.overrides.insert(
        "openrouter".into(),
        octagit::config::ProviderOverride {
            base_url: Some(mock.openai_base_url()),
            api_key_env: None,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let report = run_audit(&input(
        &["openrouter/qwen/qwen3-coder"],
        env,
        offline_but_online(dir.path()),
    ))
    .await;
    let c = &report.candidates[0];
    assert_eq!(c.price_source, PriceSource::Live, "{c:?}");
    assert_eq!(c.input_per_mtok.map(|p| (p * 100.0).round()), Some(20.0));
    assert_eq!(c.context_window, Some(262_144));
    assert!(c.viable, "{c:?}");
}

/// Online, but the LiteLLM URL refuses: only OpenRouter's endpoint answers.
fn offline_but_online(dir: &Path) -> PricingOptions {
    pricing(dir, "http://127.0.0.1:9/refused".into())
}

#[tokio::test]
async fn ranking_order_on_a_scripted_set() {
    let mock = MockLlm::start().await;
    let tpm = |remaining: u64| {
        Reply::text("O")
            .openai_rate_limits((500, 499, "1s"), (2_000_000, remaining, "1s"))
            .openai()
    };
    route(&mock, Endpoint::OpenAiChat, "m-cheap-tight", tpm(5_000)).await;
    route(&mock, Endpoint::OpenAiChat, "m-pricey", tpm(1_000_000)).await;
    route(&mock, Endpoint::OpenAiChat, "m-mid", tpm(1_000_000)).await;
    route(&mock, Endpoint::OpenAiChat, "m-notools", tpm(1_000_000)).await;
    route(
        &mock,
        Endpoint::OpenAiChat,
        "m-probe-tools",
        ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "registry.ollama.ai/library/m-probe-tools does not support tools",
            "type": "api_error", "param": null, "code": null}})),
    )
    .await;
    let prices = serve_catalogue(litellm(&[
        ("m-cheap-tight", 0.1, 0.4, 128_000, Some(true)),
        ("m-pricey", 5.0, 20.0, 128_000, Some(true)),
        ("m-mid", 1.0, 4.0, 128_000, Some(true)),
        ("m-notools", 0.05, 0.2, 128_000, Some(false)),
        ("m-probe-tools", 0.05, 0.2, 128_000, None),
    ]))
    .await;
    let slugs = [
        "openai/m-cheap-tight",
        "openai/m-pricey",
        "openai/m-notools",
        "openai/m-probe-tools",
        "openai/m-mid",
    ];
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/prices.json", prices.uri());
    let report = run_audit(&input(
        &slugs,
        env_for(&mock),
        pricing(dir.path(), url.clone()),
    ))
    .await;
    // Ample headroom beats a budget that does not cover one turn; then the cheaper run.
    assert_eq!(
        report.chain,
        ["openai/m-mid", "openai/m-pricey", "openai/m-cheap-tight"]
    );
    let no_tools = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/m-notools")
        .unwrap();
    assert!(no_tools.reason.as_deref().unwrap().starts_with("no tools"));
    let probed = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/m-probe-tools")
        .unwrap();
    assert_eq!(
        probed.supports_tools,
        Some(false),
        "learned from the probe: {probed:?}"
    );
    assert!(probed.reachable && !probed.viable);
    // Only the hop whose tool support the catalogue did not know got the probe tool.
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    let with_tools: Vec<_> = sent
        .iter()
        .filter(|r| r.json.get("tools").is_some())
        .collect();
    assert_eq!(with_tools.len(), 1);
    assert_eq!(with_tools[0].json["model"], "m-probe-tools");
    let cheap = report
        .candidates
        .iter()
        .find(|c| c.slug == "openai/m-cheap-tight")
        .unwrap();
    assert!(cheap.est_run_cost_usd.unwrap() < report.candidates[0].est_run_cost_usd.unwrap());

    // The user's own chain keeps its order; dead hops are dropped with their reason.
    let mut user = input(&slugs, env_for(&mock), pricing(dir.path(), url));
    user.user_chain = true;
    let report = run_audit(&user).await;
    assert!(report.user_chain);
    assert_eq!(
        report.chain,
        ["openai/m-cheap-tight", "openai/m-pricey", "openai/m-mid"]
    );
}

/// Records when each probe arrived and answers it after a delay.
struct Recording {
    arrivals: Arc<Mutex<Vec<(Instant, String)>>>,
    delay: Duration,
}

impl Respond for Recording {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let model = body["model"].as_str().unwrap_or("").to_string();
        let is_probe = body["max_tokens"] == 1 || body["max_completion_tokens"] == 1;
        self.arrivals.lock().unwrap().push((Instant::now(), model));
        if is_probe {
            Reply::text("O").openai().set_delay(self.delay)
        } else {
            // The risk note, after every probe has answered.
            Reply::text("Four hops answered and any can take over. Costs stay under a dollar.")
                .openai()
        }
    }
}

#[tokio::test]
async fn probes_run_concurrently() {
    let mock = MockLlm::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let delay = Duration::from_secs(1);
    Mock::given(method("POST"))
        .and(path(Endpoint::OpenAiChat.path()))
        .respond_with(Recording {
            arrivals: arrivals.clone(),
            delay,
        })
        .with_priority(1)
        .mount(&mock.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let slugs = [
        "openai/gpt-4o-mini",
        "openai/gpt-4o",
        "openai/gpt-4.1",
        "openai/gpt-4.1-mini",
    ];
    let report = run_audit(&input(&slugs, env_for(&mock), offline(dir.path()))).await;
    assert_eq!(report.chain.len(), 4, "{report:?}");
    // For the record (not asserted: wall time depends on the machine).
    eprintln!(
        "audit with four probes each answering after 1 s: {} ms",
        report.duration_ms
    );

    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(
        arrivals.len(),
        5,
        "four probes and the risk note: {arrivals:?}"
    );
    let first = arrivals[0].0;
    // Every probe arrived before the first probe could have been answered: they overlap.
    for (at, model) in &arrivals[..4] {
        assert!(
            at.duration_since(first) < delay,
            "probe for {model} waited for another probe"
        );
    }
    // The risk note is asked only after the probes answered, by the cheapest viable hop.
    assert!(arrivals[4].0.duration_since(first) >= delay);
    assert_eq!(arrivals[4].1, "gpt-4o-mini");
    assert_eq!(report.risk_note_author, "openai/gpt-4o-mini");
    assert!(report.risk_note.starts_with("Four hops answered"));
}

#[tokio::test]
async fn default_candidates_plus_a_detected_ollama() {
    let mock = MockLlm::start().await;
    mock.serve_ollama_tags(&["qwen2.5-coder:7b"]);
    // A model with tool calling answers the probe's request to call its tool with a call.
    mock.set_default(
        Endpoint::OpenAiChat,
        Reply::text("O")
            .tool_call("call_1", "report_ok", r#"{"ok":true}"#)
            .openai(),
    );
    // Ollama answers on the mock; every other local server on a port nothing listens on.
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut env = ProviderEnv::default();
    env.vars.insert("OLLAMA_HOST".into(), mock.host_port());
    for p in octagit::provider::local::LOCAL_PROVIDERS {
        if p != octagit::provider::ProviderKind::Ollama {
            env.overrides.insert(
                p.name().into(),
                octagit::config::ProviderOverride {
                    base_url: Some(format!("http://127.0.0.1:{refused}/v1")),
                    api_key_env: None,
                },
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut inp = input(&[], env, offline(dir.path()));
    inp.candidates.clear();
    let report = run_audit(&inp).await;

    assert_eq!(report.chain, ["ollama/qwen2.5-coder:7b"]);
    assert_eq!(
        report.candidates.len(),
        octagit::audit::default_candidates().len() + 1
    );
    let local = &report.candidates[0];
    assert_eq!(local.price_source, PriceSource::Local);
    assert_eq!(local.est_run_cost_usd, Some(0.0));
    // Neither table knows this model's tools: the probe carried the tiny tool and it passed.
    assert_eq!(local.supports_tools, Some(true));
    assert!(
        local.notes.iter().any(|n| n == "window unknown"),
        "{:?}",
        local.notes
    );
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent[0].json["model"], "qwen2.5-coder:7b");
    assert_eq!(sent[0].json["tools"][0]["function"]["name"], "report_ok");
    for c in &report.candidates[1..] {
        assert!(
            c.reason.as_deref().unwrap().starts_with("no key: set "),
            "{c:?}"
        );
    }
    assert!(
        report
            .risk_note
            .starts_with("Only one hop is usable (ollama/qwen2.5-coder:7b)"),
        "{}",
        report.risk_note
    );
}

/// A local model that answers the probe's request to call a tool in prose (what SmolLM2-135M
/// does on a llama.cpp server) is marked "no tool calling" and left out of the chain; named
/// by the user, it runs, with the verdict kept as a warning.
#[tokio::test]
async fn a_model_answering_the_tool_probe_in_prose_is_kept_out() {
    let mock = MockLlm::start().await;
    mock.set_default(
        Endpoint::OpenAiChat,
        Reply::text("Sure! Here is how you call a tool: report_ok(ok=true).").openai(),
    );
    let mut env = ProviderEnv::default();
    env.overrides.insert(
        "llamacpp".into(),
        octagit::config::ProviderOverride {
            base_url: Some(mock.openai_base_url()),
            api_key_env: None,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let slug = "llamacpp/SmolLM2-135M-Instruct";
    let report = run_audit(&input(&[slug], env.clone(), offline(dir.path()))).await;
    assert!(report.chain.is_empty(), "{:?}", report.chain);
    let c = &report.candidates[0];
    assert!(c.reachable && !c.viable);
    assert_eq!(c.supports_tools, Some(false));
    assert_eq!(
        c.reason.as_deref(),
        Some("no tool calling: answered in prose when asked to call a tool")
    );
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent[0].json["tools"][0]["function"]["name"], "report_ok");
    assert!(sent[0].json["max_tokens"].as_u64().unwrap() > 1);

    let mut named = input(&[slug], env, offline(dir.path()));
    named.user_chain = true;
    let report = run_audit(&named).await;
    assert_eq!(report.chain, [slug]);
    let c = &report.candidates[0];
    assert!(
        c.notes.iter().any(|n| n
            .starts_with("warning: no tool calling: answered in prose when asked to call a tool")),
        "{:?}",
        c.notes
    );
}

mod cli {
    use super::*;
    use assert_cmd::Command;

    fn octagit(home: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_octagit"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("OCTAGIT_OFFLINE", "1");
        cmd
    }

    /// A repo with a bug, an issue file, and a config that points every local provider at a
    /// port nothing listens on (whatever model servers run on this machine).
    fn repo_with_issue() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::create_dir_all(dir.path().join(".github")).unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "pub fn add(a: i32, b: i32) -> i32 { a - b }\n",
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let providers: String = octagit::provider::local::LOCAL_PROVIDERS
            .iter()
            .map(|p| {
                format!(
                    "  {}:\n    base_url: http://127.0.0.1:{port}/v1\n",
                    p.name()
                )
            })
            .collect();
        std::fs::write(
            dir.path().join(".github/octagit.yml"),
            format!("providers:\n{providers}"),
        )
        .unwrap();
        let issue = dir.path().join("issue.md");
        std::fs::write(&issue, "add() subtracts\n\nCalling add(2, 2) returns 0.\n").unwrap();
        (dir, issue)
    }

    #[test]
    fn no_keys_exit_3_with_next_step_in_json() {
        let (repo, issue) = repo_with_issue();
        let home = tempfile::tempdir().unwrap();
        let out = octagit(home.path())
            .args(["audit", "--json", "--repo"])
            .arg(repo.path())
            .arg("--issue-file")
            .arg(&issue)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["chain"], json!([]));
        assert!(report["prompt_tokens"].as_u64().unwrap() > 300, "{report}");
        assert!(
            report["next_step"]
                .as_str()
                .unwrap()
                .contains("ANTHROPIC_API_KEY")
        );
        assert_eq!(report["candidates"][0]["class"], "auth");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no model can do this job now")
                && stderr.contains("Next step: set one of"),
            "{stderr}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reachable_hop_exits_0_with_a_table() {
        let mock = MockLlm::start().await;
        mock.set_default(
            Endpoint::OpenAiChat,
            Reply::text("O")
                .openai_rate_limits((500, 499, "1s"), (200_000, 199_000, "1s"))
                .openai(),
        );
        let (repo, issue) = repo_with_issue();
        let home = tempfile::tempdir().unwrap();
        let base = mock.openai_base_url();
        let out = tokio::task::spawn_blocking(move || {
            octagit(home.path())
                .env("OPENAI_API_KEY", OPENAI_KEY)
                .env("OPENAI_BASE_URL", base)
                .args([
                    "audit",
                    "--fallback-chain",
                    "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
                    "--repo",
                ])
                .arg(repo.path())
                .arg("--issue-file")
                .arg(&issue)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("Chain: openai/gpt-4o-mini\n"), "{stdout}");
        assert!(stdout.contains("no key: set ANTHROPIC_API_KEY"), "{stdout}");
        assert!(stdout.contains("199k"), "{stdout}");
        assert!(!stdout.contains(OPENAI_KEY));
    }
}
