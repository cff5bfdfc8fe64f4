//! Figures for the provider layer, measured against a loopback mock:
//!
//! - local probe time with nothing listening (seven closed loopback ports);
//! - per-call overhead of each wire adapter: the median of N `ModelClient::chat` calls
//!   minus the median of N raw reqwest POSTs of the same pre-serialised body to the same
//!   mock (what is left is request building, JSON, header parsing and response mapping).
//!
//! Run: `cargo run --example bench_providers [-- N]` (N calls per measurement, default 200).

use std::time::{Duration, Instant};

use octagit::provider::local::{self, LOCAL_PROVIDERS};
use octagit::provider::{
    ChatRequest, Message, ModelClient, ProviderEnv, ToolCall, ToolSpec, anthropic, openai,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// A request shaped like a mid-run agent turn: a long system prompt, a few tool rounds,
/// six tools with schemas.
fn agent_request() -> ChatRequest {
    let tools = [
        "read_file",
        "write_file",
        "edit_file",
        "search",
        "list_dir",
        "run_tests",
    ]
    .iter()
    .map(|n| ToolSpec {
        name: n.to_string(),
        description: format!("{n}: one of the agent's workspace tools"),
        parameters: json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "text": {"type": "string"}},
            "required": ["path"]
        }),
    })
    .collect();
    let mut messages = vec![Message::user(
        "Issue #42: the parser panics on empty input. ".repeat(20),
    )];
    for i in 0..4 {
        let call = ToolCall {
            id: format!("call_{i}"),
            name: "read_file".into(),
            arguments: format!(r#"{{"path":"src/file_{i}.rs"}}"#),
        };
        messages.push(Message::assistant("Reading.", vec![call]));
        messages.push(Message::tool_result(
            format!("call_{i}"),
            "fn x() {}\n".repeat(150),
        ));
    }
    ChatRequest {
        system: "You are OctaGit. ".repeat(120),
        messages,
        tools,
        max_tokens: 4096,
        temperature: None,
    }
}

async fn time_calls(n: usize, client: &ModelClient, req: &ChatRequest) -> Duration {
    for _ in 0..20 {
        client.chat(req).await.expect("warm-up call succeeds");
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.chat(req).await.expect("call succeeds");
        v.push(t.elapsed());
    }
    median(v)
}

async fn time_raw(n: usize, url: &str, body: &[u8], headers: &[(&str, &str)]) -> Duration {
    let http = octagit::provider::http_client();
    let once = || {
        let mut rb = http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        async move { rb.send().await.unwrap().text().await.unwrap() }
    };
    for _ in 0..20 {
        once().await;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        once().await;
        v.push(t.elapsed());
    }
    median(v)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);

    // ---- probe with nothing listening ----
    let closed: Vec<_> = LOCAL_PROVIDERS
        .iter()
        .map(|p| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            (*p, format!("http://127.0.0.1:{port}/v1"))
        })
        .collect();
    let mut probes = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let s = local::detect_with(&closed).await;
        probes.push(t.elapsed());
        assert!(s.iter().all(|s| !s.reachable));
    }
    let worst = *probes.iter().max().unwrap();
    println!(
        "local probe, 7 servers, nothing listening: median {} (worst of 50: {})",
        us(median(probes)),
        us(worst)
    );
    let t = Instant::now();
    let defaults = local::detect(&ProviderEnv::default()).await;
    println!(
        "local probe at the default ports of this machine: {} ({} reachable)",
        us(t.elapsed()),
        defaults.iter().filter(|s| s.reachable).count()
    );

    // ---- adapter overhead against the mock ----
    let server = MockServer::start().await;
    let openai_reply = json!({
        "id": "chatcmpl-b", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\":\"a.rs\"}"}}]}}],
        "usage": {"prompt_tokens": 4000, "completion_tokens": 20}
    });
    let anthropic_reply = json!({
        "id": "msg_b", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Reading."}, {"type": "tool_use", "id": "t", "name": "read_file", "input": {"path": "a.rs"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 4000, "output_tokens": 20}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_reply)
                .insert_header("x-ratelimit-limit-tokens", "30000")
                .insert_header("x-ratelimit-remaining-tokens", "26000")
                .insert_header("x-ratelimit-reset-tokens", "6m0s"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(anthropic_reply)
                .insert_header("anthropic-ratelimit-tokens-limit", "38000")
                .insert_header("anthropic-ratelimit-tokens-reset", "2030-01-01T00:00:00Z"),
        )
        .mount(&server)
        .await;

    let openai_key = "sk-bench-openai-0123456789abcdefghij";
    let anthropic_key = "sk-ant-bench-0123456789abcdefghij";
    let mut env = ProviderEnv::default();
    env.vars.insert("OPENAI_API_KEY".into(), openai_key.into());
    env.vars
        .insert("OPENAI_BASE_URL".into(), format!("{}/v1", server.uri()));
    env.vars
        .insert("ANTHROPIC_API_KEY".into(), anthropic_key.into());
    env.vars.insert("ANTHROPIC_BASE_URL".into(), server.uri());
    let oa = ModelClient::resolve("openai/gpt-4o", &env).unwrap();
    let an = ModelClient::resolve("anthropic/claude-sonnet-4-5", &env).unwrap();
    let req = agent_request();
    let (oa_plan, an_plan) = (oa.plan(&req), an.plan(&req));

    let oa_body = serde_json::to_vec(&openai::request_body(
        oa.provider(),
        &oa.spec.model,
        &req,
        &oa_plan,
    ))
    .unwrap();
    let an_body =
        serde_json::to_vec(&anthropic::request_body(&an.spec.model, &req, &an_plan)).unwrap();
    println!(
        "request body: {} bytes (OpenAI), {} bytes (Anthropic); {n} calls each",
        oa_body.len(),
        an_body.len()
    );

    let bearer = format!("Bearer {openai_key}");
    let oa_raw = time_raw(
        n,
        &openai::chat_url(&oa.base_url),
        &oa_body,
        &[("authorization", &bearer)],
    )
    .await;
    let oa_full = time_calls(n, &oa, &req).await;
    let an_raw = time_raw(
        n,
        &anthropic::url(&an.base_url, "messages"),
        &an_body,
        &[
            ("x-api-key", anthropic_key),
            ("anthropic-version", anthropic::API_VERSION),
        ],
    )
    .await;
    let an_full = time_calls(n, &an, &req).await;
    // Where the overhead goes: building + serialising the body, without any I/O.
    let build = |f: &dyn Fn() -> Vec<u8>| {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(f());
            v.push(t.elapsed());
        }
        median(v)
    };
    let oa_build = build(&|| {
        serde_json::to_vec(&openai::request_body(
            oa.provider(),
            &oa.spec.model,
            &req,
            &oa_plan,
        ))
        .unwrap()
    });
    let an_build = build(&|| {
        serde_json::to_vec(&anthropic::request_body(&an.spec.model, &req, &an_plan)).unwrap()
    });
    println!(
        "body build+serialise median: {} (OpenAI), {} (Anthropic)",
        us(oa_build),
        us(an_build)
    );
    for (name, full, raw) in [("openai", oa_full, oa_raw), ("anthropic", an_full, an_raw)] {
        println!(
            "{name:<9} adapter call median {} | raw POST median {} | adapter overhead {}",
            us(full),
            us(raw),
            us(full.saturating_sub(raw))
        );
    }
}
