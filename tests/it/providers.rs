//! The provider layer against the loopback mock LLM server: both wire formats, every
//! failure class from real-shaped bodies, timeouts, broken answers, local detection, and
//! `octagit models`.

use std::time::{Duration, Instant};

use octagit::config::ProviderOverride;
use octagit::failure::FailureClass;
use octagit::provider::local::{self, LOCAL_PROVIDERS};
use octagit::provider::{
    ChatRequest, Message, ModelClient, ProviderEnv, ProviderKind, ToolCall, ToolSpec,
};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::support::mock_llm::{Endpoint, MockLlm, Reply, anthropic_count_tokens};

const OPENAI_KEY: &str = "sk-test-openai-0123456789abcdefghijklmn";
const ANTHROPIC_KEY: &str = "sk-ant-test-0123456789abcdefghijklmn";

fn env(pairs: &[(&str, &str)]) -> ProviderEnv {
    let mut env = ProviderEnv::default();
    for (k, v) in pairs {
        env.vars.insert(k.to_string(), v.to_string());
    }
    env
}

fn openai_client(mock: &MockLlm) -> ModelClient {
    let env = env(&[
        ("OPENAI_API_KEY", OPENAI_KEY),
        ("OPENAI_BASE_URL", &mock.openai_base_url()),
    ]);
    ModelClient::resolve("openai/gpt-4o", &env).unwrap()
}

fn anthropic_client(mock: &MockLlm) -> ModelClient {
    let env = env(&[
        ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
        ("ANTHROPIC_BASE_URL", &mock.anthropic_base_url()),
    ]);
    ModelClient::resolve("anthropic/claude-sonnet-4-5", &env).unwrap()
}

fn read_file_tool() -> ToolSpec {
    ToolSpec {
        name: "read_file".into(),
        description: "Read a file of the repository".into(),
        parameters: json!({
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"]
        }),
    }
}

fn first_turn() -> ChatRequest {
    ChatRequest {
        system: "You fix issues in this repository.".into(),
        messages: vec![Message::user("Issue #7: parse() panics on empty input")],
        tools: vec![read_file_tool()],
        max_tokens: 2048,
        temperature: None,
    }
}

/// The first turn, the model's tool call, and its result: the second request.
fn second_turn(call: &ToolCall) -> ChatRequest {
    let mut req = first_turn();
    req.messages
        .push(Message::assistant("", vec![call.clone()]));
    req.messages
        .push(Message::tool_result(&call.id, "pub fn parse(s: &str) {}"));
    req
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn openai_tool_call_round_trip() {
    let mock = MockLlm::start().await;
    mock.openai(
        Reply::text("")
            .tool_call("call_abc", "read_file", r#"{"path":"src/parse.rs"}"#)
            .usage(1200, 35)
            .openai_rate_limits((500, 499, "12ms"), (30000, 28765, "6m0s"))
            .openai(),
    );
    mock.openai(
        Reply::text("Fixed: parse() now returns an error.")
            .usage(1400, 12)
            .openai(),
    );
    let client = openai_client(&mock);

    let r1 = client.chat(&first_turn()).await.unwrap();
    assert_eq!(r1.status, 200);
    assert_eq!(r1.text, "");
    assert_eq!(
        r1.tool_calls,
        vec![ToolCall {
            id: "call_abc".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"src/parse.rs"}"#.into()
        }]
    );
    assert_eq!((r1.usage.input_tokens, r1.usage.output_tokens), (1200, 35));
    assert_eq!(r1.stop_reason.as_deref(), Some("tool_calls"));
    assert_eq!(r1.model, "gpt-4o-2024-08-06");
    assert!(r1.latency > Duration::ZERO);
    let rl = &r1.rate_limits;
    assert_eq!(rl.requests_limit, Some(500));
    assert_eq!(rl.requests_remaining, Some(499));
    assert_eq!(rl.requests_reset_ms, Some(12));
    assert_eq!(rl.tokens_limit, Some(30000));
    assert_eq!(rl.tokens_remaining, Some(28765));
    assert_eq!(rl.tokens_reset_ms, Some(360_000));

    let r2 = client.chat(&second_turn(&r1.tool_calls[0])).await.unwrap();
    assert_eq!(r2.text, "Fixed: parse() now returns an error.");
    assert!(r2.tool_calls.is_empty());
    assert_eq!(r2.stop_reason.as_deref(), Some("stop"));
    assert!(r2.rate_limits.is_empty());

    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    let b1 = &sent[0].json;
    assert_eq!(b1["model"], "gpt-4o");
    assert_eq!(b1["max_completion_tokens"], 2048);
    assert_eq!(
        b1["messages"],
        json!([
            {"role": "system", "content": "You fix issues in this repository."},
            {"role": "user", "content": "Issue #7: parse() panics on empty input"}
        ])
    );
    assert_eq!(
        b1["tools"],
        json!([{
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read a file of the repository",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
            }
        }])
    );
    let m2 = &sent[1].json["messages"];
    assert_eq!(
        m2[2],
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_abc", "type": "function",
            "function": {"name": "read_file", "arguments": "{\"path\":\"src/parse.rs\"}"}
        }]})
    );
    assert_eq!(
        m2[3],
        json!({"role": "tool", "tool_call_id": "call_abc", "content": "pub fn parse(s: &str) {}"})
    );
}

#[tokio::test]
async fn anthropic_tool_call_round_trip() {
    let mock = MockLlm::start().await;
    mock.anthropic(
        Reply::text("I will read the parser.")
            .tool_call("toolu_01", "read_file", r#"{"path":"src/parse.rs"}"#)
            .usage(2100, 48)
            .anthropic_rate_limits(
                (50, 49, Duration::from_secs(5)),
                (38000, 36000, Duration::from_secs(60)),
                (30000, 27900, Duration::from_secs(60)),
            )
            .anthropic(),
    );
    mock.anthropic(Reply::text("Done.").usage(2300, 3).anthropic());
    let client = anthropic_client(&mock);

    let r1 = client.chat(&first_turn()).await.unwrap();
    assert_eq!(r1.text, "I will read the parser.");
    assert_eq!(r1.tool_calls.len(), 1);
    assert_eq!(r1.tool_calls[0].id, "toolu_01");
    assert_eq!(r1.tool_calls[0].name, "read_file");
    assert_eq!(
        serde_json::from_str::<Value>(&r1.tool_calls[0].arguments).unwrap(),
        json!({"path": "src/parse.rs"})
    );
    assert_eq!((r1.usage.input_tokens, r1.usage.output_tokens), (2100, 48));
    assert_eq!(r1.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(r1.model, "claude-sonnet-4-5-20250929");
    let rl = &r1.rate_limits;
    assert_eq!(rl.requests_limit, Some(50));
    assert_eq!(rl.requests_remaining, Some(49));
    assert_eq!(rl.tokens_limit, Some(38000));
    assert_eq!(rl.tokens_remaining, Some(36000));
    assert_eq!(rl.input_tokens_limit, Some(30000));
    assert_eq!(rl.input_tokens_remaining, Some(27900));
    // RFC 3339 resets at whole seconds: "60 s from now" reads as 58-60 s a moment later.
    let t = rl.tokens_reset_ms.unwrap();
    assert!((58_000..=60_000).contains(&t), "tokens reset {t} ms");
    let r = rl.requests_reset_ms.unwrap();
    assert!((3_000..=5_000).contains(&r), "requests reset {r} ms");

    let r2 = client.chat(&second_turn(&r1.tool_calls[0])).await.unwrap();
    assert_eq!(r2.text, "Done.");
    assert_eq!(r2.stop_reason.as_deref(), Some("end_turn"));

    let sent = mock.requests(Endpoint::AnthropicMessages).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(sent[0].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent[0].header("authorization"), None);
    let b1 = &sent[0].json;
    assert_eq!(b1["model"], "claude-sonnet-4-5");
    assert_eq!(b1["max_tokens"], 2048);
    assert_eq!(b1["system"], "You fix issues in this repository.");
    assert_eq!(
        b1["messages"],
        json!([{"role": "user", "content": "Issue #7: parse() panics on empty input"}])
    );
    assert_eq!(
        b1["tools"],
        json!([{
            "name": "read_file",
            "description": "Read a file of the repository",
            "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
        }])
    );
    let m2 = &sent[1].json["messages"];
    assert_eq!(
        m2[1],
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_01", "name": "read_file", "input": {"path": "src/parse.rs"}}
        ]})
    );
    assert_eq!(
        m2[2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": "pub fn parse(s: &str) {}"}
        ]})
    );
}

#[tokio::test]
async fn anthropic_count_tokens_endpoint() {
    let mock = MockLlm::start().await;
    mock.push(Endpoint::AnthropicCountTokens, anthropic_count_tokens(1234));
    let client = anthropic_client(&mock);
    assert_eq!(
        client.count_tokens(&first_turn()).await.unwrap(),
        Some(1234)
    );
    let sent = mock.requests(Endpoint::AnthropicCountTokens).await;
    assert_eq!(sent[0].json["model"], "claude-sonnet-4-5");
    assert!(sent[0].json.get("max_tokens").is_none());
    assert_eq!(sent[0].json["tools"][0]["name"], "read_file");
    // The OpenAI wire has no exact counter: no request is made.
    assert_eq!(
        openai_client(&mock)
            .count_tokens(&first_turn())
            .await
            .unwrap(),
        None
    );
}

struct ErrorCase {
    name: &'static str,
    response: ResponseTemplate,
    class: FailureClass,
    status: u16,
    message_has: &'static str,
}

fn case(
    name: &'static str,
    response: ResponseTemplate,
    class: FailureClass,
    status: u16,
    message_has: &'static str,
) -> ErrorCase {
    ErrorCase {
        name,
        response,
        class,
        status,
        message_has,
    }
}

async fn check_cases(
    mock: &MockLlm,
    client: &ModelClient,
    endpoint: Endpoint,
    cases: Vec<ErrorCase>,
) {
    for c in &cases {
        mock.push(endpoint, c.response.clone());
    }
    for c in cases {
        let err = client.chat(&first_turn()).await.expect_err(c.name);
        assert_eq!(err.class, c.class, "{}: {err:?}", c.name);
        assert_eq!(err.status, Some(c.status), "{}", c.name);
        assert!(
            err.message.contains(c.message_has),
            "{}: message {:?}",
            c.name,
            err.message
        );
        assert!(!err.message.contains('\n'), "{}: one line", c.name);
        assert!(!err.raw.is_empty(), "{}: raw body kept", c.name);
    }
}

#[tokio::test]
async fn openai_error_bodies_map_to_classes() {
    let mock = MockLlm::start().await;
    let client = openai_client(&mock);
    let cases = vec![
        case(
            "rate limit",
            MockLlm::openai_error_rate_limit("6m0s"),
            FailureClass::Rate,
            429,
            "Rate limit reached",
        ),
        case(
            "quota",
            MockLlm::openai_error_insufficient_quota(),
            FailureClass::Billing,
            429,
            "exceeded your current quota",
        ),
        case(
            "context",
            MockLlm::openai_error_context_length_exceeded(),
            FailureClass::Context,
            400,
            "maximum context length",
        ),
        case(
            "model",
            MockLlm::openai_error_model_not_found("gpt-9"),
            FailureClass::BadModel,
            404,
            "`gpt-9` does not exist",
        ),
        case(
            "auth",
            MockLlm::openai_error_invalid_api_key("sk-bad0"),
            FailureClass::Auth,
            401,
            "Incorrect API key",
        ),
        case(
            "html 502",
            ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"),
            FailureClass::BadModel,
            502,
            "HTTP 502",
        ),
    ];
    check_cases(&mock, &client, Endpoint::OpenAiChat, cases).await;

    // The rate-limit answer carries its reset: the walker's wait decision needs it.
    mock.openai(MockLlm::openai_error_rate_limit("1m30.5s"));
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.rate_limits.tokens_reset_ms, Some(90_500));
    assert_eq!(err.rate_limits.tokens_remaining, Some(0));
    assert_eq!(err.retry_after(), Some(Duration::from_millis(90_500)));
}

#[tokio::test]
async fn anthropic_error_bodies_map_to_classes() {
    let mock = MockLlm::start().await;
    let client = anthropic_client(&mock);
    let cases = vec![
        case(
            "prompt too long",
            MockLlm::anthropic_error_prompt_too_long(),
            FailureClass::Context,
            400,
            "prompt is too long",
        ),
        case(
            "credit",
            MockLlm::anthropic_error_credit_too_low(),
            FailureClass::Billing,
            400,
            "credit balance is too low",
        ),
        case(
            "auth",
            MockLlm::anthropic_error_auth(),
            FailureClass::Auth,
            401,
            "invalid x-api-key",
        ),
        case(
            "not found",
            MockLlm::anthropic_error_not_found("claude-nope"),
            FailureClass::BadModel,
            404,
            "claude-nope",
        ),
        case(
            "rate",
            MockLlm::anthropic_error_rate_limit(30),
            FailureClass::Rate,
            429,
            "rate limit",
        ),
        case(
            "overloaded",
            MockLlm::anthropic_error_overloaded(),
            FailureClass::BadModel,
            529,
            "Overloaded",
        ),
        case(
            "too large",
            MockLlm::anthropic_error_request_too_large(),
            FailureClass::Context,
            413,
            "maximum allowed number of bytes",
        ),
    ];
    check_cases(&mock, &client, Endpoint::AnthropicMessages, cases).await;

    mock.anthropic(MockLlm::anthropic_error_rate_limit(30));
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.rate_limits.retry_after_ms, Some(30_000));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.rate_limits.input_tokens_remaining, Some(0));
}

#[tokio::test]
async fn an_echoed_key_is_redacted_from_the_error() {
    let mock = MockLlm::start().await;
    mock.openai(MockLlm::openai_error_invalid_api_key(OPENAI_KEY));
    let err = openai_client(&mock).chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.class, FailureClass::Auth);
    assert!(!err.raw.contains(OPENAI_KEY), "{}", err.raw);
    assert!(!err.message.contains(OPENAI_KEY), "{}", err.message);
    assert!(err.message.contains("***"), "{}", err.message);
}

#[tokio::test]
async fn openrouter_billing_and_error_inside_a_200() {
    let mock = MockLlm::start().await;
    let mut env = env(&[("OPENROUTER_API_KEY", "sk-or-v1-test-0123456789abcdefghijkl")]);
    env.overrides.insert(
        "openrouter".into(),
        ProviderOverride {
            base_url: Some(mock.openai_base_url()),
            api_key_env: None,
        },
    );
    let client =
        ModelClient::resolve("openrouter/meta-llama/llama-3.1-70b-instruct", &env).unwrap();

    mock.openai(MockLlm::openrouter_error_no_credits());
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!((err.class, err.status), (FailureClass::Billing, Some(402)));
    assert!(
        err.message.starts_with("Insufficient credits"),
        "{}",
        err.message
    );

    mock.openai(MockLlm::openai_error_inside_200(
        429,
        "Rate limit exceeded: free-models-per-min",
    ));
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!((err.class, err.status), (FailureClass::Rate, Some(200)));
    assert_eq!(err.message, "Rate limit exceeded: free-models-per-min");

    mock.openai(MockLlm::openai_error_inside_200(
        502,
        "Upstream provider returned an error",
    ));
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.class, FailureClass::BadModel);

    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent[0].json["model"], "meta-llama/llama-3.1-70b-instruct");
    assert_eq!(sent[0].json["max_tokens"], 2048);
    assert_eq!(sent[0].header("x-title"), Some("OctaGit"));
}

#[tokio::test]
async fn malformed_answers_are_bad_model_with_a_clear_message() {
    let mock = MockLlm::start().await;
    let client = openai_client(&mock);
    mock.openai(MockLlm::malformed_json());
    mock.openai(
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "chatcmpl-x", "object": "chat.completion"})),
    );
    for want in ["EOF", "no `choices`"] {
        let err = client.chat(&first_turn()).await.unwrap_err();
        assert_eq!(err.class, FailureClass::BadModel);
        assert_eq!(err.status, Some(200));
        assert!(
            err.message
                .starts_with("the model answered with malformed JSON: "),
            "{}",
            err.message
        );
        assert!(err.message.contains(want), "{}", err.message);
    }

    let client = anthropic_client(&mock);
    mock.anthropic(MockLlm::malformed_json());
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.class, FailureClass::BadModel);
    assert!(
        err.message
            .starts_with("the model answered with malformed JSON"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_slow_answer_times_out_as_bad_model() {
    let mock = MockLlm::start().await;
    mock.openai(MockLlm::delayed(
        Reply::text("late").openai(),
        Duration::from_secs(5),
    ));
    let mut client = openai_client(&mock);
    client.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.class, FailureClass::BadModel);
    assert_eq!(err.status, None);
    assert!(
        err.message.contains("timed out after 0.3 s"),
        "{}",
        err.message
    );

    mock.anthropic(MockLlm::delayed(
        Reply::text("late").anthropic(),
        Duration::from_secs(5),
    ));
    let mut client = anthropic_client(&mock);
    client.timeout = Duration::from_secs(1);
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert!(
        err.message.contains("timed out after 1 s"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn nothing_listening_is_bad_model_naming_the_url() {
    let base = format!("http://127.0.0.1:{}/v1", closed_port());
    let env = env(&[("OPENAI_API_KEY", OPENAI_KEY), ("OPENAI_BASE_URL", &base)]);
    let client = ModelClient::resolve("gpt-4o-mini", &env).unwrap();
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!((err.class, err.status), (FailureClass::BadModel, None));
    assert!(
        err.message
            .contains(&format!("could not reach {base}/chat/completions")),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn github_models_and_local_providers_use_the_openai_wire() {
    let mock = MockLlm::start().await;
    // GitHub Models: the key falls back to GITHUB_TOKEN; its base has no /v1.
    let mut env = env(&[("GITHUB_TOKEN", "ghs_test0123456789abcdefghijklmnop")]);
    env.overrides.insert(
        "github".into(),
        ProviderOverride {
            base_url: Some(mock.openai_base_url()),
            api_key_env: None,
        },
    );
    env.vars.insert("OLLAMA_HOST".into(), mock.host_port());
    mock.openai(Reply::text("from github").openai());
    mock.openai(Reply::text("from ollama").model("llama3.1:8b").openai());

    let gh = ModelClient::resolve("github/openai/gpt-4.1", &env).unwrap();
    assert_eq!(gh.chat(&first_turn()).await.unwrap().text, "from github");
    let ollama = ModelClient::resolve("ollama_chat/llama3.1:8b", &env).unwrap();
    let r = ollama.chat(&first_turn()).await.unwrap();
    assert_eq!(
        (r.text.as_str(), r.model.as_str()),
        ("from ollama", "llama3.1:8b")
    );

    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent[0].json["model"], "openai/gpt-4.1");
    assert_eq!(
        sent[0].header("authorization"),
        Some("Bearer ghs_test0123456789abcdefghijklmnop")
    );
    assert_eq!(sent[0].header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(sent[1].json["model"], "llama3.1:8b");
    assert_eq!(
        sent[1].header("authorization"),
        None,
        "local servers get no credential"
    );
}

#[tokio::test]
async fn local_detection_with_one_server_up() {
    let mock = MockLlm::start().await;
    mock.serve_ollama_tags(&[
        "llama3.1:8b",
        "gpt-oss:120b-cloud",
        "nomic-embed-text:latest",
    ]);
    let mut targets = vec![(ProviderKind::Ollama, mock.openai_base_url())];
    for p in LOCAL_PROVIDERS.iter().skip(1) {
        targets.push((*p, format!("http://127.0.0.1:{}/v1", closed_port())));
    }
    let started = Instant::now();
    let statuses = local::detect_with(&targets).await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(900), "probe took {took:?}");

    assert_eq!(statuses.len(), 7);
    let ollama = &statuses[0];
    assert_eq!(ollama.provider, ProviderKind::Ollama);
    assert!(ollama.reachable);
    assert_eq!(ollama.models, vec!["llama3.1:8b".to_string()]);
    assert_eq!(ollama.skipped.len(), 2, "{:?}", ollama.skipped);
    assert!(ollama.skipped[0].starts_with("gpt-oss:120b-cloud"));
    assert_eq!(ollama.why_not, None);
    for s in &statuses[1..] {
        assert!(!s.reachable, "{s:?}");
        assert!(s.models.is_empty());
        let why = s.why_not.as_deref().unwrap();
        assert!(
            why.starts_with("nothing listening at http://127.0.0.1:"),
            "{why}"
        );
    }
    assert_eq!(
        local::local_hops(&statuses),
        vec!["ollama/llama3.1:8b".to_string()]
    );
    let probed = mock.requests(Endpoint::OllamaTags).await;
    assert_eq!(probed.len(), 1);
}

#[tokio::test]
async fn local_detection_reports_wrong_servers_and_empty_ones() {
    let mock = MockLlm::start().await;
    mock.serve_models(&[]);
    mock.serve_ollama_tags(&["qwen3-coder:480b-cloud"]);
    let targets = vec![
        (ProviderKind::Ollama, mock.root_url()),
        // Something on the port that is not a model server: wiremock answers 404.
        (
            ProviderKind::LlamaCpp,
            format!("{}/not-here", mock.root_url()),
        ),
        (ProviderKind::LmStudio, mock.openai_base_url()),
    ];
    let s = local::detect_with(&targets).await;
    assert!(s[0].reachable && s[0].models.is_empty());
    assert!(
        s[0].why_not.as_deref().unwrap().contains("ollama pull"),
        "{:?}",
        s[0].why_not
    );
    assert!(s[1].reachable);
    assert!(
        s[1].why_not
            .as_deref()
            .unwrap()
            .contains("answered HTTP 404"),
        "{:?}",
        s[1].why_not
    );
    assert!(s[2].reachable && !s[2].usable());
    assert!(local::local_hops(&s).is_empty());
}

#[tokio::test]
async fn detect_honours_ollama_host() {
    let mock = MockLlm::start().await;
    mock.serve_ollama_tags(&["qwen2.5-coder:7b"]);
    let env = env(&[("OLLAMA_HOST", &mock.host_port())]);
    let statuses = local::detect(&env).await;
    assert_eq!(statuses.len(), 7);
    let ollama = statuses
        .iter()
        .find(|s| s.provider == ProviderKind::Ollama)
        .unwrap();
    assert_eq!(ollama.base_url, format!("{}/v1", mock.root_url()));
    assert_eq!(ollama.models, vec!["qwen2.5-coder:7b".to_string()]);
    assert!(local::local_hops(&statuses).contains(&"ollama/qwen2.5-coder:7b".to_string()));
}

fn models_cmd(home: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_octagit"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .current_dir(home)
        .timeout(Duration::from_secs(20));
    cmd
}

#[test]
fn models_json_with_no_keys_and_no_servers() {
    let home = tempfile::tempdir().unwrap();
    // Point Ollama at a closed port so a developer's running Ollama does not change the answer.
    let out = models_cmd(home.path())
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(["models", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let providers = v["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 12);
    for p in providers {
        assert_eq!(p["credential_present"], false, "{p}");
        if p["local"] == false {
            assert_eq!(p["reachable"], Value::Null);
            assert_eq!(
                p["reachability"],
                "not probed; run `octagit audit` to probe"
            );
            assert!(
                p["why_not"]
                    .as_str()
                    .unwrap()
                    .starts_with("no credential: set "),
                "{p}"
            );
        }
    }
    let ollama = providers
        .iter()
        .find(|p| p["provider"] == "ollama")
        .unwrap();
    assert_eq!(ollama["reachable"], false);
    assert!(v["probe_ms"].as_u64().unwrap() < 1000);
    // Only a local server of this machine on a default port could make something usable.
    if v["usable_providers"].as_array().unwrap().is_empty() {
        let summary = v["summary"].as_str().unwrap();
        assert!(
            summary.starts_with("No model is usable from here"),
            "{summary}"
        );
        assert!(summary.contains("ANTHROPIC_API_KEY"), "{summary}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn models_text_names_the_variable_and_lists_local_models() {
    let mock = MockLlm::start().await;
    mock.serve_ollama_tags(&["llama3.1:8b", "gpt-oss:20b-cloud"]);
    let home = tempfile::tempdir().unwrap();
    let secret = "sk-ant-models-cmd-0123456789abcdefghij";
    let out = models_cmd(home.path())
        .env("ANTHROPIC_API_KEY", secret)
        .env("OLLAMA_HOST", mock.host_port())
        .arg("models")
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ANTHROPIC_API_KEY is set"), "{text}");
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("models      llama3.1:8b"), "{text}");
    assert!(
        text.contains("gpt-oss:20b-cloud (cloud model, not local)"),
        "{text}"
    );
    assert!(
        text.contains("Usable: credentials set for anthropic"),
        "{text}"
    );
}

#[test]
fn models_reports_a_broken_config_file_and_still_answers() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".github")).unwrap();
    std::fs::write(
        home.path().join(".github/octagit.yml"),
        "max_turns: 5\nmodel_budget: 3\n",
    )
    .unwrap();
    let out = models_cmd(home.path())
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(["models", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = v["config_error"].as_str().unwrap();
    assert!(err.starts_with(".github/octagit.yml:2:"), "{err}");
    assert!(err.contains("model_budget"), "{err}");
    assert_eq!(v["providers"].as_array().unwrap().len(), 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn models_uses_config_base_url_overrides() {
    let mock = MockLlm::start().await;
    mock.serve_models(&[
        "qwen2.5-coder-7b-instruct",
        "text-embedding-nomic-embed-text-v1.5",
    ]);
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".github")).unwrap();
    std::fs::write(
        home.path().join(".github/octagit.yml"),
        format!(
            "providers:\n  lm_studio:\n    base_url: {}\n",
            mock.openai_base_url()
        ),
    )
    .unwrap();
    let out = models_cmd(home.path())
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(["models", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["config_error"], Value::Null);
    let lm = v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "lm_studio")
        .unwrap();
    assert_eq!(lm["base_url"], mock.openai_base_url());
    assert_eq!(lm["reachable"], true);
    assert_eq!(lm["models"], json!(["qwen2.5-coder-7b-instruct"]));
    assert_eq!(
        lm["skipped"],
        json!(["text-embedding-nomic-embed-text-v1.5 (embedding model)"])
    );
    assert!(
        v["local_hops"]
            .as_array()
            .unwrap()
            .contains(&json!("lm_studio/qwen2.5-coder-7b-instruct")),
        "{}",
        v["local_hops"]
    );
}
