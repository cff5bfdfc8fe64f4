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
use crate::support::value_fix::{edit_value, finish_value, value_repo};

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
    // Prompt caching (Anthropic's documented `cache_control` breakpoints): the system
    // prompt, the last tool and the first message, identical on every turn, are cached.
    assert_eq!(
        b1["system"],
        json!([{"type": "text", "text": "You fix issues in this repository.", "cache_control": {"type": "ephemeral"}}])
    );
    assert_eq!(
        b1["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "Issue #7: parse() panics on empty input", "cache_control": {"type": "ephemeral"}}
        ]}])
    );
    assert_eq!(
        b1["tools"],
        json!([{
            "name": "read_file",
            "description": "Read a file of the repository",
            "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
            "cache_control": {"type": "ephemeral"}
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
            FailureClass::Transient,
            502,
            "HTTP 502",
        ),
        case(
            "overloaded 503",
            MockLlm::openai_error_overloaded_503(),
            FailureClass::Transient,
            503,
            "currently overloaded",
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
            FailureClass::Transient,
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
    assert_eq!(err.class, FailureClass::Transient);

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
async fn a_slow_answer_times_out_as_transient() {
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
    assert_eq!(err.class, FailureClass::Transient);
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
    assert_eq!(providers.len(), 20);
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
    assert_eq!(v["providers"].as_array().unwrap().len(), 20);
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

// ---- Providers as they behave in 2026, through `octagit run` --------------------------
//
// Each mock below behaves like the real API: reasoning models refuse `temperature` and
// `max_tokens` with OpenAI's real 400 bodies (`MockLlm::with_reasoning_rules`), Anthropic
// answers 529 `overloaded_error`, OpenAI 503 `server_is_overloaded`, and the Responses API
// answers `function_call` items. The audit is not skipped: probes and the risk note go
// through the chain walker and count.

struct RunResult {
    code: i32,
    record: octagit::run_record::RunRecord,
    dir: std::path::PathBuf,
    output: String,
}

/// `octagit run` on `repo` with `chain`, the given environment (keys, base URLs) and extra
/// flags, offline for prices (the built-in table), in a clean environment.
async fn octagit_run(
    repo: &std::path::Path,
    chain: &str,
    envs: Vec<(&'static str, String)>,
    extra: Vec<String>,
) -> RunResult {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("run");
    let issue = home.path().join("issue.md");
    std::fs::write(
        &issue,
        "# value.txt says broken\n\nIt should say fixed; `sh check.sh` checks it.\n",
    )
    .unwrap();
    let (repo, chain, dir2) = (repo.to_path_buf(), chain.to_string(), dir.clone());
    let home_path = home.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = assert_cmd::Command::cargo_bin("octagit").unwrap();
        cmd.args(["run", "--repo"])
            .arg(&repo)
            .arg("--issue-file")
            .arg(&issue)
            .args(["--fallback-chain", &chain])
            .arg("--out")
            .arg(&dir2)
            .args(&extra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", &home_path)
            .env("XDG_CACHE_HOME", home_path.join("cache"))
            .env("OCTAGIT_OFFLINE", "1")
            .env(
                crate::support::ALLOW_SCRIPTED.0,
                crate::support::ALLOW_SCRIPTED.1,
            );
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    let output = crate::support::value_fix::output_text(&out);
    let record = octagit::run_record::RunRecord::read(&dir)
        .unwrap_or_else(|e| panic!("no run.json: {e}\n{output}"));
    for f in ["summary.md", "report.html", "advice.md"] {
        assert!(dir.join(f).exists(), "{f} missing\n{output}");
    }
    // Keep the temp dir alive for the caller by leaking it: the process is short-lived.
    std::mem::forget(home);
    RunResult {
        code: out.status.code().unwrap_or(-1),
        record,
        dir,
        output,
    }
}

/// The risk note a model writes in the audit (two plain sentences pass validation).
const RISK_NOTE: &str = "The chain has one model. A provider outage would stop the run.";

#[tokio::test(flavor = "multi_thread")]
async fn gpt5_fixes_the_demo_bug_sending_only_what_it_accepts() {
    let mock = MockLlm::start().await;
    mock.with_reasoning_rules();
    // The demo's scripted transcript, spoken by gpt-5 over the real chat-completions wire.
    let turns: Vec<Value> = serde_json::from_str(include_str!("../../demo/script.json")).unwrap();
    mock.openai(Reply::text("OK").usage(9, 1).openai()); // the audit's probe
    mock.openai(Reply::text(RISK_NOTE).usage(300, 30).openai()); // the risk note
    for (i, t) in turns.iter().enumerate() {
        let mut r = Reply::text(t["text"].as_str().unwrap_or(""))
            .usage(2000, 200)
            .cached(1500);
        for (j, c) in t["tool_calls"].as_array().unwrap().iter().enumerate() {
            r = r.tool_call(
                &format!("call_{i}_{j}"),
                c["name"].as_str().unwrap(),
                &c["arguments"].to_string(),
            );
        }
        mock.openai(r.model("gpt-5-2025-08-07").openai());
    }
    let dir = tempfile::tempdir().unwrap();
    octagit::demo::materialize(dir.path()).unwrap();
    // `reasoning_effort` from the config reaches the wire (reasoning models only).
    let cfg = dir.path().join(".github/octagit.yml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("reasoning_effort: low\n");
    std::fs::write(&cfg, text).unwrap();
    crate::support::repo::git_in(dir.path(), &["commit", "-qam", "reasoning effort"]);

    let r = octagit_run(
        dir.path(),
        "openai/gpt-5",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec![],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.output);
    assert_eq!(r.record.gate.passed, Some(true));
    let fixed = std::fs::read_to_string(dir.path().join("calc/stats.py")).unwrap();
    assert!(fixed.contains("ordered = sorted(values)"), "{fixed}");

    // Every request carried only what gpt-5 accepts: no 400 was needed.
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert!(sent.len() >= 8, "{}", sent.len());
    for req in &sent {
        let b = &req.json;
        assert!(b.get("temperature").is_none(), "{b}");
        assert!(b.get("max_tokens").is_none(), "{b}");
        assert_eq!(b["reasoning_effort"], "low", "{b}");
        // Room for the hidden reasoning on top of the visible answer.
        assert!(b["max_completion_tokens"].as_u64().unwrap() > 4_096, "{b}");
    }
    // The audit shows the parameters, and its calls are attempts that count.
    let audit = r.record.audit.as_ref().unwrap();
    let cand = &audit.candidates[0];
    let params = cand.params.as_deref().unwrap();
    assert!(
        params.starts_with("no temperature, max_completion_tokens="),
        "{params}"
    );
    assert!(params.contains("reasoning_effort=low"), "{params}");
    let purposes: Vec<_> = audit
        .attempts
        .iter()
        .map(|a| a.purpose.as_deref())
        .collect();
    assert_eq!(purposes, [Some("probe"), Some("risk-note")]);
    assert_eq!(audit.risk_note_author, "openai/gpt-5");
    assert!(audit.cost_usd > 0.0);
    // Built-in prices: $1.25 in, $0.125 cached, $10 out per million tokens.
    let turns_cost: f64 = r.record.hops.iter().map(|h| h.cost_usd).sum();
    let want_turn = (500.0 * 1.25 + 1500.0 * 0.125 + 200.0 * 10.0) / 1e6;
    assert!(
        (r.record.hops[0].cost_usd - want_turn).abs() < 1e-9,
        "{:?}",
        r.record.hops[0]
    );
    assert!(
        (r.record.cost_usd - (turns_cost + audit.cost_usd)).abs() < 1e-9,
        "{} vs {} + {}",
        r.record.cost_usd,
        turns_cost,
        audit.cost_usd
    );
    assert_eq!(r.record.hops[0].cache_read_tokens, 1500);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_parameters_are_dropped_retried_once_and_remembered() {
    // A model our tables do not know behind an OpenAI-compatible gateway: the first
    // request carries `max_tokens` and `temperature: 0`, and the real 400s teach the run
    // what the model refuses.
    let mock = MockLlm::start().await;
    mock.openai(MockLlm::openai_error_unsupported_max_tokens());
    mock.openai(MockLlm::openai_error_unsupported_temperature());
    for r in [
        Reply::text("OK").usage(5, 1),
        Reply::text(RISK_NOTE),
        edit_value(),
        finish_value(),
    ] {
        mock.openai(r.openai());
    }
    let repo = value_repo();
    repo.write(
        ".github/octagit.yml",
        &format!(
            "test_command: sh check.sh\nproviders:\n  deepseek:\n    base_url: {}\n",
            mock.openai_base_url()
        ),
    );
    repo.commit_all("config");
    let r = octagit_run(
        repo.path(),
        "deepseek/deepseek-v9-preview",
        vec![(
            "DEEPSEEK_API_KEY",
            "sk-deepseek-test-000000000000".to_string(),
        )],
        vec![],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.output);
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    // 3 probe tries, the risk note, 2 turns, the advisor's post-mortem.
    assert_eq!(sent.len(), 7);
    assert!(sent[0].json.get("max_tokens").is_some());
    assert!(sent[1].json.get("max_tokens").is_none());
    assert!(sent[1].json.get("temperature").is_some());
    // From the probe's third try on, neither is ever sent again in this run.
    for q in &sent[2..] {
        assert!(q.json.get("max_tokens").is_none(), "{}", q.json);
        assert!(q.json.get("temperature").is_none(), "{}", q.json);
        assert!(q.json.get("max_completion_tokens").is_some(), "{}", q.json);
    }
    let probe = &r.record.audit.as_ref().unwrap().attempts[0];
    assert_eq!(probe.dropped_params, ["max_tokens", "temperature"]);
    assert!(r.record.hops.iter().all(|h| h.dropped_params.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parameter_refused_again_is_bad_request_naming_it() {
    // A server that keeps refusing `temperature` whatever is sent.
    let mock = MockLlm::start().await;
    for _ in 0..6 {
        mock.openai(MockLlm::openai_error_unsupported_temperature());
    }
    let repo = value_repo();
    let r = octagit_run(
        repo.path(),
        "openai/gpt-4.1",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec![
            "--test-command".into(),
            "sh check.sh".into(),
            "--no-audit".into(),
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.output);
    assert_eq!(
        r.record.failure_class(),
        Some(FailureClass::BadRequest),
        "{}",
        r.output
    );
    let advice = r.record.advice.as_ref().unwrap();
    assert!(advice.headline.contains("`temperature`"), "{advice:?}");
    assert!(!advice.headline.contains("check the model name"));
    // Retried once without it, then given up: two requests, the second without.
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[0].json.get("temperature").is_some());
    assert!(sent[1].json.get("temperature").is_none());
}

/// hop, class, status, action, retry.
type HopShape<'a> = (usize, Option<FailureClass>, Option<u16>, &'a str, u32);

#[tokio::test(flavor = "multi_thread")]
async fn a_single_model_chain_survives_one_529_and_one_503() {
    let mock = MockLlm::start().await;
    mock.push(Endpoint::AnthropicCountTokens, anthropic_count_tokens(1200));
    mock.anthropic(Reply::text("OK").usage(8, 1).anthropic()); // probe
    mock.anthropic(Reply::text(RISK_NOTE).usage(300, 30).anthropic()); // risk note
    mock.anthropic(MockLlm::anthropic_error_overloaded());
    mock.anthropic(edit_value().cached(700).anthropic());
    mock.anthropic(
        ResponseTemplate::new(503)
            .set_body_json(json!({"type": "error", "error": {"type": "api_error", "message": "Service Unavailable"}}))
            .insert_header("retry-after", "1"),
    );
    mock.anthropic(finish_value().anthropic());
    let repo = value_repo();
    let started = Instant::now();
    let r = octagit_run(
        repo.path(),
        "anthropic/claude-haiku-4-5",
        vec![
            ("ANTHROPIC_API_KEY", ANTHROPIC_KEY.to_string()),
            ("ANTHROPIC_BASE_URL", mock.anthropic_base_url()),
        ],
        vec!["--test-command".into(), "sh check.sh".into()],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.output);
    let shape: Vec<HopShape> = r
        .record
        .hops
        .iter()
        .map(|h| (h.hop, h.class, h.status, h.action.as_str(), h.retry))
        .collect();
    assert_eq!(
        shape,
        [
            (0, Some(FailureClass::Transient), Some(529), "retry", 0),
            (0, None, Some(200), "", 1),
            (0, Some(FailureClass::Transient), Some(503), "retry", 0),
            (0, None, Some(200), "", 1),
        ]
    );
    // Exponential back-off with jitter for the 529; the 503's `retry-after: 1` honoured.
    let waits: Vec<u64> = r.record.hops.iter().filter_map(|h| h.wait_ms).collect();
    assert!((375..=625).contains(&waits[0]), "{waits:?}");
    assert_eq!(waits[1], 1000);
    assert!(started.elapsed() < Duration::from_secs(60));
    // Cached prompt tokens are priced at Anthropic's cache-read price ($0.10 vs $1.00).
    let edit = &r.record.hops[1];
    assert_eq!(edit.cache_read_tokens, 700);
    let want = (200.0 * 1.0 + 700.0 * 0.1 + 40.0 * 5.0) / 1e6;
    assert!((edit.cost_usd - want).abs() < 1e-9, "{edit:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_only_models_work_through_the_responses_api() {
    let mock = MockLlm::start().await;
    mock.with_reasoning_rules();
    mock.push(
        Endpoint::OpenAiResponses,
        Reply::text("OK")
            .usage(7, 1)
            .openai_rate_limits((500, 499, "120ms"), (30000, 29000, "2s"))
            .responses(),
    );
    mock.push(
        Endpoint::OpenAiResponses,
        Reply::text(RISK_NOTE).responses(),
    );
    mock.push(
        Endpoint::OpenAiResponses,
        edit_value().cached(600).responses(),
    );
    mock.push(Endpoint::OpenAiResponses, finish_value().responses());
    let repo = value_repo();
    let r = octagit_run(
        repo.path(),
        "openai/gpt-5-codex",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec!["--test-command".into(), "sh check.sh".into()],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(mock.requests(Endpoint::OpenAiChat).await.is_empty());
    let sent = mock.requests(Endpoint::OpenAiResponses).await;
    // The probe, the risk note, 2 turns and the advisor's post-mortem.
    assert_eq!(sent.len(), 5);
    let last = &sent[3].json;
    assert_eq!(last["model"], "gpt-5-codex");
    assert_eq!(last["store"], false);
    assert!(last.get("temperature").is_none());
    assert!(last["max_output_tokens"].as_u64().unwrap() > 4096);
    assert!(last["instructions"].as_str().unwrap().len() > 100);
    assert_eq!(last["tools"][0]["type"], "function");
    let items = last["input"].as_array().unwrap();
    let call = items.iter().find(|i| i["type"] == "function_call").unwrap();
    let output = items
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .unwrap();
    assert_eq!(call["call_id"], "call_e1");
    assert_eq!(output["call_id"], "call_e1");
    // Rate-limit headers on the probe reach the audit; usage reaches the record.
    let cand = &r.record.audit.as_ref().unwrap().candidates[0];
    assert_eq!(cand.tpm_limit, Some(30000));
    assert_eq!(r.record.hops[0].cache_read_tokens, 600);
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_calls_count_against_max_cost() {
    let mock = MockLlm::start().await;
    // The probe's answer alone costs more than the cap ($2 per million input on gpt-4.1).
    mock.openai(Reply::text("OK").usage(600_000, 1).openai());
    mock.openai(Reply::text(RISK_NOTE).usage(10, 10).openai());
    mock.openai(edit_value().openai());
    let repo = value_repo();
    let r = octagit_run(
        repo.path(),
        "openai/gpt-4.1",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec![
            "--test-command".into(),
            "sh check.sh".into(),
            "--max-cost-usd".into(),
            "1".into(),
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.output);
    assert_eq!(r.record.failure_class(), Some(FailureClass::Limit));
    let audit = r.record.audit.as_ref().unwrap();
    assert!((audit.cost_usd - (600_000.0 * 2.0 + 8.0) / 1e6).abs() < 1e-6 || audit.cost_usd > 1.0);
    assert!(r.record.cost_usd >= 1.0);
    // The loop never sent a turn: only the probe and the risk note reached the mock.
    assert!(r.record.hops.is_empty(), "{:?}", r.record.hops);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_price_still_has_a_spend_bound() {
    let mock = MockLlm::start().await;
    mock.openai(Reply::text("OK").usage(5, 1).openai());
    mock.openai(Reply::text(RISK_NOTE).openai());
    mock.openai(edit_value().usage(20_000, 1_000).openai());
    mock.openai(finish_value().openai());
    let repo = value_repo();
    let r = octagit_run(
        repo.path(),
        "openai/gpt-7-experimental",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec!["--test-command".into(), "sh check.sh".into()],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.output);
    let cand = &r.record.audit.as_ref().unwrap().candidates[0];
    assert!(cand.price_assumed);
    // Counted at $15/$75 per million: 20,000 in and 1,000 out is $0.375.
    assert!(
        (r.record.hops[0].cost_usd - 0.375).abs() < 1e-9,
        "{:?}",
        r.record.hops[0]
    );
    assert!(
        r.record
            .warnings
            .iter()
            .any(|w| w.contains("no known price")),
        "{:?}",
        r.record.warnings
    );
    let summary = std::fs::read_to_string(r.dir.join("summary.md")).unwrap();
    assert!(summary.contains("no known price"), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_wait_in_a_429_ends_the_run_with_every_artefact() {
    let mock = MockLlm::start().await;
    for _ in 0..3 {
        mock.openai(MockLlm::openai_error_absurd_rate_limit());
    }
    let repo = value_repo();
    let r = octagit_run(
        repo.path(),
        "openai/gpt-4.1",
        vec![
            ("OPENAI_API_KEY", OPENAI_KEY.to_string()),
            ("OPENAI_BASE_URL", mock.openai_base_url()),
        ],
        vec![
            "--test-command".into(),
            "sh check.sh".into(),
            "--no-audit".into(),
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.output);
    assert_eq!(r.record.failure_class(), Some(FailureClass::Rate));
    assert!(!r.output.contains("panicked"), "{}", r.output);
    assert!(r.record.advice.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_in_any_stage_ends_as_internal_with_every_artefact() {
    for stage in ["index", "audit", "baseline", "agent", "gate"] {
        let repo = value_repo();
        let script = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            script.path(),
            serde_json::to_string(&json!([
                {"tool_calls": [{"name": "edit_file", "arguments": {"path": "value.txt", "old_text": "broken", "new_text": "fixed"}}]},
                {"tool_calls": [{"name": "finish", "arguments": {"summary": "fixed"}}]}
            ]))
            .unwrap(),
        )
        .unwrap();
        let r = octagit_run(
            repo.path(),
            &format!("scripted/{}", script.path().display()),
            vec![("OCTAGIT_FAULT_PANIC", stage.to_string())],
            vec![
                "--test-command".into(),
                "sh check.sh".into(),
                "--no-audit".into(),
            ],
        )
        .await;
        assert_eq!(r.code, 1, "{stage}: {}", r.output);
        assert_eq!(
            r.record.failure_class(),
            Some(FailureClass::Internal),
            "{stage}"
        );
        let f = r.record.failure.as_ref().unwrap();
        assert!(
            f.message.contains(&format!("in the {stage} stage")),
            "{f:?}"
        );
        assert!(f.raw.contains("injected fault"), "{f:?}");
        assert!(r.record.finished_at.is_some(), "{stage}: finish ran");
        let reports = r
            .record
            .stages
            .iter()
            .filter(|s| s.name == "report")
            .count();
        assert_eq!(reports, 1, "{stage}: finish ran exactly once");
    }
}

#[test]
fn openai_compatible_providers_by_litellm_prefix() {
    // Base URLs and key variables as LiteLLM's provider docs name them.
    let cases = [
        (
            "gemini/gemini-2.5-pro",
            "GEMINI_API_KEY",
            "https://generativelanguage.googleapis.com/v1beta/openai",
        ),
        (
            "deepseek/deepseek-chat",
            "DEEPSEEK_API_KEY",
            "https://api.deepseek.com/v1",
        ),
        (
            "groq/llama-3.3-70b-versatile",
            "GROQ_API_KEY",
            "https://api.groq.com/openai/v1",
        ),
        (
            "mistral/mistral-large-latest",
            "MISTRAL_API_KEY",
            "https://api.mistral.ai/v1",
        ),
        ("xai/grok-4", "XAI_API_KEY", "https://api.x.ai/v1"),
        (
            "together_ai/Qwen/Qwen3-Coder-480B",
            "TOGETHERAI_API_KEY",
            "https://api.together.xyz/v1",
        ),
        (
            "fireworks_ai/accounts/fireworks/models/kimi-k2",
            "FIREWORKS_AI_API_KEY",
            "https://api.fireworks.ai/inference/v1",
        ),
        (
            "cerebras/qwen-3-coder-480b",
            "CEREBRAS_API_KEY",
            "https://api.cerebras.ai/v1",
        ),
    ];
    for (slug, key, base) in cases {
        let err = ModelClient::resolve(slug, &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{slug}: {err}");
        let client = ModelClient::resolve(slug, &env(&[(key, "k-000000000000")])).unwrap();
        assert_eq!(client.base_url, base, "{slug}");
        assert_eq!(client.wire(), octagit::provider::Wire::OpenAi, "{slug}");
    }
}

#[tokio::test]
async fn a_compatible_provider_speaks_chat_completions_with_its_key() {
    let mock = MockLlm::start().await;
    mock.openai(Reply::text("hi").openai());
    let mut e = env(&[("GROQ_API_KEY", "gsk_test_000000000000000")]);
    e.overrides.insert(
        "groq".into(),
        octagit::config::ProviderOverride {
            base_url: Some(mock.openai_base_url()),
            api_key_env: None,
        },
    );
    let client = ModelClient::resolve("groq/llama-3.3-70b-versatile", &e).unwrap();
    let r = client.chat(&first_turn()).await.unwrap();
    assert_eq!(r.text, "hi");
    let sent = mock.requests(Endpoint::OpenAiChat).await;
    assert_eq!(
        sent[0].header("authorization"),
        Some("Bearer gsk_test_000000000000000")
    );
    assert_eq!(sent[0].json["model"], "llama-3.3-70b-versatile");
    assert_eq!(sent[0].json["max_tokens"], 2048);
}

#[test]
fn models_shows_the_parameters_each_model_is_sent() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".github")).unwrap();
    std::fs::write(
        home.path().join(".github/octagit.yml"),
        "fallback_chain: [openai/gpt-5, anthropic/claude-sonnet-4-5, openai/gpt-5-codex, groq/llama-3.3-70b-versatile]\nreasoning_effort: high\n",
    )
    .unwrap();
    let json_out = models_cmd(home.path())
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(["models", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let chain = v["chain"].as_array().unwrap();
    let params: Vec<&str> = chain
        .iter()
        .map(|m| m["params"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        [
            // gpt-5: 4,096 visible + 32,768 for `high` reasoning, within its 128k output.
            "no temperature, max_completion_tokens=36864, reasoning_effort=high",
            "temperature=0, max_tokens=4096, cache_control",
            "no temperature, max_output_tokens=36864, reasoning_effort=high",
            "temperature=0, max_tokens=4096",
        ]
    );
    assert_eq!(chain[2]["wire"], "responses");
    let text = models_cmd(home.path())
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .arg("models")
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("openai/gpt-5-codex (Responses API)"),
        "{text}"
    );
    assert!(
        text.contains("  sends       no temperature, max_completion_tokens=36864"),
        "{text}"
    );
}

#[tokio::test]
async fn a_reset_connection_is_transient_but_nothing_listening_is_not() {
    // A server that accepts and resets every connection (SO_LINGER 0 sends an RST).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let s = s.into_std().unwrap();
            let _ = socket_linger_zero(&s);
            drop(s);
        }
    });
    let base = format!("http://{addr}/v1");
    let e = env(&[("OPENAI_API_KEY", OPENAI_KEY), ("OPENAI_BASE_URL", &base)]);
    let client = ModelClient::resolve("openai/gpt-4.1", &e).unwrap();
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(
        (err.class, err.status),
        (FailureClass::Transient, None),
        "{err:?}"
    );
    // Connection refused stays bad-model: waiting does not start a server.
    let base = format!("http://127.0.0.1:{}/v1", closed_port());
    let e = env(&[("OPENAI_API_KEY", OPENAI_KEY), ("OPENAI_BASE_URL", &base)]);
    let client = ModelClient::resolve("openai/gpt-4.1", &e).unwrap();
    let err = client.chat(&first_turn()).await.unwrap_err();
    assert_eq!(err.class, FailureClass::BadModel, "{err:?}");
}

/// `SO_LINGER` with a zero timeout: closing the socket then sends a reset, not a FIN.
fn socket_linger_zero(s: &std::net::TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket fd and a correctly sized `linger` struct.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
