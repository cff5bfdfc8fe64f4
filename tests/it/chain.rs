//! The fallback-chain walker over the real wire formats: a scripted chain whose hop record
//! is asserted in full.

use std::collections::BTreeMap;
use std::time::Duration;

use octagit::chain::{ChainWalker, Hop, RetryPolicy};
use octagit::config::ProviderOverride;
use octagit::failure::FailureClass;
use octagit::provider::{ChatRequest, Message, ModelClient, ProviderEnv};

use crate::support::mock_llm::{Endpoint, MockLlm, Reply};

fn env(overrides: &[(&str, String)]) -> ProviderEnv {
    let vars: BTreeMap<String, String> = [
        ("OPENAI_API_KEY", "sk-chain-openai-000000000000000000"),
        ("ANTHROPIC_API_KEY", "sk-ant-chain-0000000000000000000"),
        ("OPENROUTER_API_KEY", "sk-or-v1-chain00000000000000000000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let overrides = overrides
        .iter()
        .map(|(p, url)| {
            (
                p.to_string(),
                ProviderOverride {
                    base_url: Some(url.clone()),
                    api_key_env: None,
                },
            )
        })
        .collect();
    ProviderEnv {
        vars,
        overrides,
        request_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

/// hop, model, provider, class, status, action, tokens in, tokens out.
type Row<'a> = (
    usize,
    &'a str,
    &'a str,
    Option<FailureClass>,
    Option<u16>,
    &'a str,
    u64,
    u64,
);

fn request() -> ChatRequest {
    ChatRequest {
        system: "be brief".into(),
        messages: vec![Message::user("hi")],
        max_tokens: 16,
        ..Default::default()
    }
}

#[tokio::test]
async fn long_rate_limit_then_auth_then_success_is_recorded_hop_by_hop() {
    let (a, b, c) = (
        MockLlm::start().await,
        MockLlm::start().await,
        MockLlm::start().await,
    );
    a.push(
        Endpoint::OpenAiChat,
        MockLlm::openai_error_rate_limit("6m0s"),
    );
    b.push(Endpoint::AnthropicMessages, MockLlm::anthropic_error_auth());
    c.push(
        Endpoint::OpenAiChat,
        Reply::text("done").usage(120, 7).openai(),
    );
    let env = env(&[
        ("openai", a.openai_base_url()),
        ("anthropic", b.anthropic_base_url()),
        ("openrouter", c.openai_base_url()),
    ]);
    let hops = [
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4-5",
        "openrouter/meta/llama",
    ]
    .iter()
    .map(|s| {
        let mut h = Hop::new(ModelClient::resolve(s, &env).unwrap());
        h.price_in = 1e-6;
        h.price_out = 2e-6;
        h
    })
    .collect();
    let mut walker = ChainWalker::new(hops, RetryPolicy::default());
    let answer = walker.call(&request()).await.unwrap();
    assert_eq!(answer.hop, 2);
    assert_eq!(answer.response.text, "done");
    assert!((answer.cost_usd - (120.0 * 1e-6 + 7.0 * 2e-6)).abs() < 1e-12);

    let rec = walker.attempts();
    let shape: Vec<Row> = rec
        .iter()
        .map(|h| {
            (
                h.hop,
                h.model.as_str(),
                h.provider.as_str(),
                h.class,
                h.status,
                h.action.as_str(),
                h.tokens_in,
                h.tokens_out,
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (
                0,
                "openai/gpt-4o-mini",
                "openai",
                Some(FailureClass::Rate),
                Some(429),
                "next-hop",
                0,
                0
            ),
            (
                1,
                "anthropic/claude-haiku-4-5",
                "anthropic",
                Some(FailureClass::Auth),
                Some(401),
                "skip-provider",
                0,
                0
            ),
            (
                2,
                "openrouter/meta/llama",
                "openrouter",
                None,
                Some(200),
                "",
                120,
                7
            ),
        ]
    );
    assert!(
        rec[0]
            .error
            .as_deref()
            .unwrap()
            .contains("Rate limit reached")
    );
    assert!(
        rec[1]
            .error
            .as_deref()
            .unwrap()
            .contains("invalid x-api-key")
    );
    assert!(rec[2].cost_usd > 0.0 && rec[2].error.is_none());
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_on_the_same_hop() {
    let a = MockLlm::start().await;
    a.push(
        Endpoint::AnthropicMessages,
        MockLlm::anthropic_error_rate_limit(1),
    );
    a.push(
        Endpoint::AnthropicMessages,
        Reply::text("after the wait").usage(10, 2).anthropic(),
    );
    let env = env(&[("anthropic", a.anthropic_base_url())]);
    let hop = Hop::new(ModelClient::resolve("anthropic/claude-haiku-4-5", &env).unwrap());
    let mut walker = ChainWalker::new(vec![hop], RetryPolicy::default());
    let started = std::time::Instant::now();
    let answer = walker.call(&request()).await.unwrap();
    assert_eq!(answer.response.text, "after the wait");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for retry-after"
    );
    let actions: Vec<&str> = walker
        .attempts()
        .iter()
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(actions, vec!["retry", ""]);
}

#[tokio::test]
async fn context_overflow_moves_to_a_hop_with_a_larger_window() {
    let (small, smaller, big) = (
        MockLlm::start().await,
        MockLlm::start().await,
        MockLlm::start().await,
    );
    small.push(
        Endpoint::OpenAiChat,
        MockLlm::openai_error_context_length_exceeded(),
    );
    big.push(Endpoint::OpenAiChat, Reply::text("fits").openai());
    let env = env(&[
        ("openai", small.openai_base_url()),
        ("huggingface", smaller.openai_base_url()),
        ("openrouter", big.openai_base_url()),
    ]);
    let mut env = env;
    env.vars
        .insert("HF_TOKEN".into(), "hf_chain000000000000000000000000".into());
    let mk = |slug: &str, window: u64| {
        let mut h = Hop::new(ModelClient::resolve(slug, &env).unwrap());
        h.context_window = Some(window);
        h
    };
    let hops = vec![
        mk("openai/gpt-4o-mini", 128_000),
        mk("huggingface/small/model", 32_000),
        mk("openrouter/big/model", 1_000_000),
    ];
    let mut walker = ChainWalker::new(hops, RetryPolicy::default());
    let answer = walker.call(&request()).await.unwrap();
    assert_eq!(answer.hop, 2, "the smaller window was skipped");
    assert!(smaller.requests(Endpoint::OpenAiChat).await.is_empty());
    assert_eq!(walker.attempts()[0].action, "larger-window");
}
