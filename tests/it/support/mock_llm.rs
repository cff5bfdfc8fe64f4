//! A loopback mock LLM server speaking both wire formats the provider layer uses:
//! OpenAI chat completions (`POST /v1/chat/completions`, `GET /v1/models`), Anthropic
//! Messages (`POST /v1/messages`, `POST /v1/messages/count_tokens`) and Ollama's model list
//! (`GET /api/tags`), so one server can also stand in for a local Ollama.
//!
//! Each endpoint answers from its own queue of scripted responses, in order; when the
//! queue is empty it uses the endpoint's default (if set) or a 500 that says the script ran
//! out. Every request is recorded so tests can assert what was sent.
//!
//! ```ignore
//! let mock = MockLlm::start().await;
//! mock.push(Endpoint::OpenAiChat, Reply::text("hi").usage(12, 3).openai());
//! mock.push(Endpoint::OpenAiChat, MockLlm::openai_error_rate_limit("6m0s"));
//! // point the client at mock.openai_base_url() / mock.anthropic_base_url()
//! let sent = mock.requests(Endpoint::OpenAiChat).await;
//! ```
//!
//! Error bodies are the real shapes recorded in /work/shared/platform-facts.md.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The endpoints the mock speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    OpenAiChat,
    /// `POST /v1/responses`: OpenAI's Responses API.
    OpenAiResponses,
    OpenAiModels,
    AnthropicMessages,
    AnthropicCountTokens,
    OllamaTags,
}

impl Endpoint {
    pub const ALL: [Endpoint; 6] = [
        Endpoint::OpenAiChat,
        Endpoint::OpenAiResponses,
        Endpoint::OpenAiModels,
        Endpoint::AnthropicMessages,
        Endpoint::AnthropicCountTokens,
        Endpoint::OllamaTags,
    ];

    pub fn method(self) -> &'static str {
        match self {
            Endpoint::OpenAiModels | Endpoint::OllamaTags => "GET",
            _ => "POST",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::OpenAiChat => "/v1/chat/completions",
            Endpoint::OpenAiResponses => "/v1/responses",
            Endpoint::OpenAiModels => "/v1/models",
            Endpoint::AnthropicMessages => "/v1/messages",
            Endpoint::AnthropicCountTokens => "/v1/messages/count_tokens",
            Endpoint::OllamaTags => "/api/tags",
        }
    }
}

#[derive(Default)]
struct Script {
    queues: HashMap<Endpoint, VecDeque<ResponseTemplate>>,
    defaults: HashMap<Endpoint, ResponseTemplate>,
    /// Behave like OpenAI's reasoning models: refuse `temperature` and `max_tokens`.
    reasoning_rules: bool,
}

/// OpenAI's reasoning families by model id: o1/o3/o4 and gpt-5 (not its `-chat` variants).
fn is_reasoning_model(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model);
    (m.starts_with("gpt-5") && !m.contains("-chat"))
        || ["o1", "o3", "o4"]
            .iter()
            .any(|p| m == *p || m.starts_with(&format!("{p}-")))
}

/// What OpenAI answers a reasoning model's request that carries a parameter it refuses,
/// before it looks at anything else (the real 400 bodies, see the constructors).
fn reasoning_refusal(endpoint: Endpoint, request: &Request) -> Option<ResponseTemplate> {
    if !matches!(endpoint, Endpoint::OpenAiChat | Endpoint::OpenAiResponses) {
        return None;
    }
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    if !is_reasoning_model(body.get("model")?.as_str()?) {
        return None;
    }
    if body.get("max_tokens").is_some() {
        return Some(MockLlm::openai_error_unsupported_max_tokens());
    }
    match body.get("temperature").and_then(Value::as_f64) {
        Some(t) if (t - 1.0).abs() > f64::EPSILON => {
            Some(MockLlm::openai_error_unsupported_temperature())
        }
        _ => None,
    }
}

struct Responder {
    endpoint: Endpoint,
    script: Arc<Mutex<Script>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        if script.reasoning_rules
            && let Some(refusal) = reasoning_refusal(self.endpoint, request)
        {
            // The refusal does not consume the scripted answer: the real API has not
            // looked at the conversation yet.
            return refusal;
        }
        if let Some(next) = script
            .queues
            .get_mut(&self.endpoint)
            .and_then(|q| q.pop_front())
        {
            return next;
        }
        if let Some(default) = script.defaults.get(&self.endpoint) {
            return default.clone();
        }
        // 410, not 5xx: a 5xx is transient and would be retried with back-off, which is
        // not what a test that ran its script dry means.
        ResponseTemplate::new(410).set_body_json(json!({
            "error": {
                "message": format!(
                    "mock_llm: no scripted response left for {} {}",
                    self.endpoint.method(),
                    self.endpoint.path()
                ),
                "type": "mock_exhausted",
                "param": null,
                "code": null
            }
        }))
    }
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lower-cased; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub json: Value,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

pub struct MockLlm {
    pub server: MockServer,
    script: Arc<Mutex<Script>>,
}

impl MockLlm {
    /// Start a server on a free loopback port with every endpoint mounted.
    pub async fn start() -> MockLlm {
        let server = MockServer::start().await;
        let script = Arc::new(Mutex::new(Script::default()));
        for endpoint in Endpoint::ALL {
            Mock::given(method(endpoint.method()))
                .and(path(endpoint.path()))
                .respond_with(Responder {
                    endpoint,
                    script: script.clone(),
                })
                .mount(&server)
                .await;
        }
        MockLlm { server, script }
    }

    /// `http://127.0.0.1:PORT`: the root (Ollama's `OLLAMA_HOST`, any custom path).
    pub fn root_url(&self) -> String {
        self.server.uri()
    }

    /// `http://127.0.0.1:PORT/v1`: what `OPENAI_BASE_URL` (or a provider's `base_url`) takes.
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    /// `http://127.0.0.1:PORT`: what `ANTHROPIC_BASE_URL` takes.
    pub fn anthropic_base_url(&self) -> String {
        self.server.uri()
    }

    /// `127.0.0.1:PORT`: the bare form `OLLAMA_HOST` uses.
    pub fn host_port(&self) -> String {
        self.server.address().to_string()
    }

    /// Queue one response for `endpoint`; responses are served in push order.
    pub fn push(&self, endpoint: Endpoint, response: ResponseTemplate) -> &Self {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script
            .queues
            .entry(endpoint)
            .or_default()
            .push_back(response);
        self
    }

    /// Queue a response on `POST /v1/chat/completions`.
    pub fn openai(&self, response: ResponseTemplate) -> &Self {
        self.push(Endpoint::OpenAiChat, response)
    }

    /// Queue a response on `POST /v1/messages`.
    pub fn anthropic(&self, response: ResponseTemplate) -> &Self {
        self.push(Endpoint::AnthropicMessages, response)
    }

    /// From now on, answer like OpenAI's reasoning models do: a request for gpt-5, o3,
    /// o4-mini, ... carrying `max_tokens` or a `temperature` other than 1 gets the real
    /// HTTP 400 (`unsupported_parameter` / `unsupported_value`).
    pub fn with_reasoning_rules(&self) -> &Self {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reasoning_rules = true;
        self
    }

    /// The answer `endpoint` gives whenever its queue is empty.
    pub fn set_default(&self, endpoint: Endpoint, response: ResponseTemplate) -> &Self {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script.defaults.insert(endpoint, response);
        self
    }

    /// How many scripted responses are still queued for `endpoint`.
    pub fn pending(&self, endpoint: Endpoint) -> usize {
        let script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script.queues.get(&endpoint).map_or(0, VecDeque::len)
    }

    /// Answer `GET /v1/models` with these model ids (OpenAI list shape).
    pub fn serve_models(&self, ids: &[&str]) -> &Self {
        let data: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "object": "model", "created": 1_700_000_000, "owned_by": "mock"}))
            .collect();
        self.set_default(
            Endpoint::OpenAiModels,
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data})),
        )
    }

    /// Answer `GET /api/tags` with these model names (Ollama shape).
    pub fn serve_ollama_tags(&self, names: &[&str]) -> &Self {
        self.set_default(Endpoint::OllamaTags, ollama_tags(names))
    }

    /// Every request received, in arrival order.
    pub async fn all_requests(&self) -> Vec<Received> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let mut headers: BTreeMap<String, String> = BTreeMap::new();
                for (name, value) in r.headers.iter() {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    headers
                        .entry(name.as_str().to_ascii_lowercase())
                        .and_modify(|v| {
                            v.push_str(", ");
                            v.push_str(&value);
                        })
                        .or_insert(value);
                }
                let body = String::from_utf8_lossy(&r.body).into_owned();
                Received {
                    method: r.method.to_string(),
                    path: r.url.path().to_string(),
                    headers,
                    json: serde_json::from_str(&body).unwrap_or(Value::Null),
                    body,
                }
            })
            .collect()
    }

    /// The requests received on `endpoint`, in arrival order.
    pub async fn requests(&self, endpoint: Endpoint) -> Vec<Received> {
        self.all_requests()
            .await
            .into_iter()
            .filter(|r| r.method == endpoint.method() && r.path == endpoint.path())
            .collect()
    }

    // ---- OpenAI error answers (bodies from platform-facts.md) ----

    /// 429 `rate_limit_exceeded` with the token budget resetting after `reset` (`6m0s`,
    /// `12ms`, `1m30.5s`).
    pub fn openai_error_rate_limit(reset: &str) -> ResponseTemplate {
        openai_error(
            429,
            "Rate limit reached for gpt-4o in organization org-mock on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again later.",
            "tokens",
            None,
            "rate_limit_exceeded",
        )
        .insert_header("x-ratelimit-limit-requests", "500")
        .insert_header("x-ratelimit-remaining-requests", "499")
        .insert_header("x-ratelimit-reset-requests", "120ms")
        .insert_header("x-ratelimit-limit-tokens", "30000")
        .insert_header("x-ratelimit-remaining-tokens", "0")
        .insert_header("x-ratelimit-reset-tokens", reset)
    }

    /// 429 `insufficient_quota`: a 429 that means billing, not rate.
    pub fn openai_error_insufficient_quota() -> ResponseTemplate {
        openai_error(
            429,
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota",
            None,
            "insufficient_quota",
        )
    }

    /// 400 `context_length_exceeded`.
    pub fn openai_error_context_length_exceeded() -> ResponseTemplate {
        openai_error(
            400,
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            Some("messages"),
            "context_length_exceeded",
        )
    }

    /// 404 `model_not_found`.
    pub fn openai_error_model_not_found(model: &str) -> ResponseTemplate {
        openai_error(
            404,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "invalid_request_error",
            None,
            "model_not_found",
        )
    }

    /// 401 `invalid_api_key`; `shown_key` is echoed the way OpenAI echoes a prefix of it.
    pub fn openai_error_invalid_api_key(shown_key: &str) -> ResponseTemplate {
        openai_error(
            401,
            &format!(
                "Incorrect API key provided: {shown_key}. You can find your API key at https://platform.openai.com/account/api-keys."
            ),
            "invalid_request_error",
            None,
            "invalid_api_key",
        )
    }

    /// OpenRouter 402: no credits left.
    pub fn openrouter_error_no_credits() -> ResponseTemplate {
        ResponseTemplate::new(402).set_body_json(json!({
            "error": {
                "code": 402,
                "message": "Insufficient credits. Add more using https://openrouter.ai/credits"
            }
        }))
    }

    /// 400 `unsupported_value`: a reasoning model (gpt-5, o3, o4-mini) refusing a
    /// temperature other than 1. Body as OpenAI returns it, quoted in
    /// github.com/gabrii/Cursor-Azure-GPT-5/issues/33 and BeehiveInnovations/pal-mcp-server#78.
    pub fn openai_error_unsupported_temperature() -> ResponseTemplate {
        openai_error(
            400,
            "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
            "invalid_request_error",
            Some("temperature"),
            "unsupported_value",
        )
    }

    /// 400 `unsupported_parameter`: a reasoning model refusing `max_tokens`. Body as quoted
    /// in github.com/fish2018/YPrompt/issues/26 and griptape-ai/ComfyUI-Griptape#312.
    pub fn openai_error_unsupported_max_tokens() -> ResponseTemplate {
        openai_error(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            Some("max_tokens"),
            "unsupported_parameter",
        )
    }

    /// 503 `server_is_overloaded`, as OpenAI answers during an overload (body quoted in
    /// github.com/Wei-Shaw/sub2api/issues/6631).
    pub fn openai_error_overloaded_503() -> ResponseTemplate {
        ResponseTemplate::new(503).set_body_json(json!({
            "error": {
                "code": "server_is_overloaded",
                "message": "Our servers are currently overloaded. Please try again later.",
                "param": null,
                "type": "service_unavailable_error"
            }
        }))
    }

    /// A 429 whose text carries an absurd wait and whose headers carry absurd numbers:
    /// nothing read from it may panic.
    pub fn openai_error_absurd_rate_limit() -> ResponseTemplate {
        openai_error(
            429,
            "Rate limit reached for gpt-4o. Please try again in 99999999999999999999999999999999999999999 hours.",
            "tokens",
            None,
            "rate_limit_exceeded",
        )
        .insert_header("retry-after", "99999999999999999999999999999999")
        .insert_header("retry-after-ms", "1e308")
        .insert_header("x-ratelimit-limit-tokens", "99999999999999999999999999")
        .insert_header("x-ratelimit-remaining-tokens", "-5")
        .insert_header("x-ratelimit-reset-tokens", "99999999999999999999h")
    }

    /// A 200 whose body carries an error (OpenRouter reports upstream failures after
    /// generation started this way).
    pub fn openai_error_inside_200(code: u16, message: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "gen-mock",
            "object": "chat.completion",
            "error": {"code": code, "message": message}
        }))
    }

    // ---- Anthropic error answers ----

    /// 400 "prompt is too long".
    pub fn anthropic_error_prompt_too_long() -> ResponseTemplate {
        anthropic_error(
            400,
            "invalid_request_error",
            "prompt is too long: 208000 tokens > 200000 maximum",
        )
    }

    /// 400 "credit balance is too low": a 400 that means billing.
    pub fn anthropic_error_credit_too_low() -> ResponseTemplate {
        anthropic_error(
            400,
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
        )
    }

    /// 401 `authentication_error`.
    pub fn anthropic_error_auth() -> ResponseTemplate {
        anthropic_error(401, "authentication_error", "invalid x-api-key")
    }

    /// 404 `not_found_error` for `model`.
    pub fn anthropic_error_not_found(model: &str) -> ResponseTemplate {
        anthropic_error(404, "not_found_error", &format!("model: {model}"))
    }

    /// 429 `rate_limit_error` with `retry-after: retry_after_secs` and RFC 3339 resets that
    /// far in the future.
    pub fn anthropic_error_rate_limit(retry_after_secs: u64) -> ResponseTemplate {
        let reset = rfc3339_in(Duration::from_secs(retry_after_secs));
        anthropic_error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.",
        )
        .insert_header("retry-after", retry_after_secs.to_string().as_str())
        .insert_header("anthropic-ratelimit-requests-limit", "50")
        .insert_header("anthropic-ratelimit-requests-remaining", "49")
        .insert_header("anthropic-ratelimit-requests-reset", reset.as_str())
        .insert_header("anthropic-ratelimit-input-tokens-limit", "30000")
        .insert_header("anthropic-ratelimit-input-tokens-remaining", "0")
        .insert_header("anthropic-ratelimit-input-tokens-reset", reset.as_str())
        .insert_header("anthropic-ratelimit-tokens-limit", "38000")
        .insert_header("anthropic-ratelimit-tokens-remaining", "0")
        .insert_header("anthropic-ratelimit-tokens-reset", reset.as_str())
    }

    /// 529 `overloaded_error` (Anthropic's documented error shape; the body Claude Code
    /// users quote, e.g. github.com/anthropics/claude-code/issues/8104, has this form).
    pub fn anthropic_error_overloaded() -> ResponseTemplate {
        anthropic_error(529, "overloaded_error", "Overloaded")
    }

    /// 413 `request_too_large`.
    pub fn anthropic_error_request_too_large() -> ResponseTemplate {
        anthropic_error(
            413,
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
        )
    }

    // ---- Broken answers ----

    /// A 200 whose body is not JSON at all.
    pub fn malformed_json() -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(
            "{\"id\": \"chatcmpl-mock\", \"choices\": [",
            "application/json",
        )
    }

    /// `response`, sent only after `delay` (for timeout tests).
    pub fn delayed(response: ResponseTemplate, delay: Duration) -> ResponseTemplate {
        response.set_delay(delay)
    }
}

/// A successful answer, rendered in either wire format.
#[derive(Debug, Clone)]
pub struct Reply {
    text: String,
    tool_calls: Vec<(String, String, String)>,
    usage: (u64, u64),
    /// Prompt tokens served from the provider's cache (part of the input tokens).
    cached: u64,
    model: Option<String>,
    stop_reason: Option<String>,
    headers: Vec<(String, String)>,
}

impl Reply {
    pub fn text(text: &str) -> Reply {
        Reply {
            text: text.to_string(),
            tool_calls: Vec::new(),
            usage: (10, 5),
            cached: 0,
            model: None,
            stop_reason: None,
            headers: Vec::new(),
        }
    }

    /// A tool call; `arguments` is the raw JSON text (may be invalid on purpose). For the
    /// Anthropic format it must be valid JSON: Anthropic sends `input` as an object.
    pub fn tool_call(mut self, id: &str, name: &str, arguments: &str) -> Reply {
        self.tool_calls
            .push((id.to_string(), name.to_string(), arguments.to_string()));
        self
    }

    pub fn usage(mut self, input_tokens: u64, output_tokens: u64) -> Reply {
        self.usage = (input_tokens, output_tokens);
        self
    }

    /// Of the input tokens, `n` came from the prompt cache (OpenAI
    /// `prompt_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`).
    pub fn cached(mut self, n: u64) -> Reply {
        self.cached = n;
        self
    }

    pub fn model(mut self, model: &str) -> Reply {
        self.model = Some(model.to_string());
        self
    }

    pub fn stop_reason(mut self, reason: &str) -> Reply {
        self.stop_reason = Some(reason.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// OpenAI's six `x-ratelimit-*` headers. Resets are Go durations: `6m0s`, `12ms`.
    pub fn openai_rate_limits(self, requests: (u64, u64, &str), tokens: (u64, u64, &str)) -> Reply {
        self.header("x-ratelimit-limit-requests", &requests.0.to_string())
            .header("x-ratelimit-remaining-requests", &requests.1.to_string())
            .header("x-ratelimit-reset-requests", requests.2)
            .header("x-ratelimit-limit-tokens", &tokens.0.to_string())
            .header("x-ratelimit-remaining-tokens", &tokens.1.to_string())
            .header("x-ratelimit-reset-tokens", tokens.2)
    }

    /// Anthropic's `anthropic-ratelimit-*` headers; resets are RFC 3339 times `*_reset_in`
    /// from now.
    pub fn anthropic_rate_limits(
        self,
        requests: (u64, u64, Duration),
        tokens: (u64, u64, Duration),
        input_tokens: (u64, u64, Duration),
    ) -> Reply {
        self.header(
            "anthropic-ratelimit-requests-limit",
            &requests.0.to_string(),
        )
        .header(
            "anthropic-ratelimit-requests-remaining",
            &requests.1.to_string(),
        )
        .header(
            "anthropic-ratelimit-requests-reset",
            &rfc3339_in(requests.2),
        )
        .header("anthropic-ratelimit-tokens-limit", &tokens.0.to_string())
        .header(
            "anthropic-ratelimit-tokens-remaining",
            &tokens.1.to_string(),
        )
        .header("anthropic-ratelimit-tokens-reset", &rfc3339_in(tokens.2))
        .header(
            "anthropic-ratelimit-input-tokens-limit",
            &input_tokens.0.to_string(),
        )
        .header(
            "anthropic-ratelimit-input-tokens-remaining",
            &input_tokens.1.to_string(),
        )
        .header(
            "anthropic-ratelimit-input-tokens-reset",
            &rfc3339_in(input_tokens.2),
        )
    }

    /// The OpenAI chat-completions body.
    pub fn openai_json(&self) -> Value {
        let tool_calls: Vec<Value> = self
            .tool_calls
            .iter()
            .map(|(id, name, args)| {
                json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}})
            })
            .collect();
        let mut message = json!({
            "role": "assistant",
            "content": if self.text.is_empty() { Value::Null } else { Value::String(self.text.clone()) },
            "refusal": null
        });
        if !tool_calls.is_empty() {
            message["tool_calls"] = Value::Array(tool_calls);
        }
        let finish = self.stop_reason.clone().unwrap_or_else(|| {
            if self.tool_calls.is_empty() {
                "stop".into()
            } else {
                "tool_calls".into()
            }
        });
        json!({
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": self.model.clone().unwrap_or_else(|| "gpt-4o-2024-08-06".into()),
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": self.usage.0,
                "completion_tokens": self.usage.1,
                "total_tokens": self.usage.0.saturating_add(self.usage.1),
                "prompt_tokens_details": {"cached_tokens": self.cached, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}
            },
            "system_fingerprint": "fp_mock"
        })
    }

    /// The Anthropic Messages body.
    pub fn anthropic_json(&self) -> Value {
        let mut content = Vec::new();
        if !self.text.is_empty() {
            content.push(json!({"type": "text", "text": self.text}));
        }
        for (id, name, args) in &self.tool_calls {
            let input: Value = serde_json::from_str(args).unwrap_or_else(|_| json!({}));
            content.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
        }
        let stop = self.stop_reason.clone().unwrap_or_else(|| {
            if self.tool_calls.is_empty() {
                "end_turn".into()
            } else {
                "tool_use".into()
            }
        });
        json!({
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": self.model.clone().unwrap_or_else(|| "claude-sonnet-4-5-20250929".into()),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": null,
            "usage": {
                "input_tokens": self.usage.0.saturating_sub(self.cached),
                "output_tokens": self.usage.1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": self.cached
            }
        })
    }

    pub fn openai(&self) -> ResponseTemplate {
        self.with_headers(ResponseTemplate::new(200).set_body_json(self.openai_json()))
    }

    /// The Responses API body (`POST /v1/responses`): a `reasoning` item, the text as a
    /// `message` with `output_text`, each call as a `function_call` item with its
    /// `call_id`, and usage with cached and reasoning token details. Shape from OpenAI's
    /// API reference for the Response object.
    pub fn responses_json(&self) -> Value {
        let mut output = vec![json!({"type": "reasoning", "id": "rs_mock", "summary": []})];
        if !self.text.is_empty() {
            output.push(json!({
                "type": "message", "id": "msg_mock", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": self.text, "annotations": []}]
            }));
        }
        for (id, name, args) in &self.tool_calls {
            output.push(json!({
                "type": "function_call", "id": format!("fc_{id}"), "call_id": id,
                "name": name, "arguments": args, "status": "completed"
            }));
        }
        json!({
            "id": "resp_mock",
            "object": "response",
            "created_at": 1_700_000_000,
            "status": "completed",
            "error": null,
            "incomplete_details": null,
            "model": self.model.clone().unwrap_or_else(|| "gpt-5-codex".into()),
            "output": output,
            "usage": {
                "input_tokens": self.usage.0,
                "input_tokens_details": {"cached_tokens": self.cached},
                "output_tokens": self.usage.1,
                "output_tokens_details": {"reasoning_tokens": self.usage.1 / 2},
                "total_tokens": self.usage.0.saturating_add(self.usage.1)
            }
        })
    }

    pub fn responses(&self) -> ResponseTemplate {
        self.with_headers(ResponseTemplate::new(200).set_body_json(self.responses_json()))
    }

    pub fn anthropic(&self) -> ResponseTemplate {
        self.with_headers(
            ResponseTemplate::new(200)
                .set_body_json(self.anthropic_json())
                .insert_header("request-id", "req_mock"),
        )
    }

    fn with_headers(&self, mut t: ResponseTemplate) -> ResponseTemplate {
        for (k, v) in &self.headers {
            t = t.insert_header(k.as_str(), v.as_str());
        }
        t
    }
}

/// `{"models": [...]}` as Ollama's `/api/tags` answers.
pub fn ollama_tags(names: &[&str]) -> ResponseTemplate {
    let models: Vec<Value> = names
        .iter()
        .map(|n| {
            json!({
                "name": n,
                "model": n,
                "modified_at": "2026-01-01T00:00:00Z",
                "size": 4_920_753_328u64,
                "digest": "0000000000000000000000000000000000000000000000000000000000000000",
                "details": {"format": "gguf", "family": "llama", "parameter_size": "8.0B", "quantization_level": "Q4_K_M"}
            })
        })
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"models": models}))
}

/// `count_tokens` answer.
pub fn anthropic_count_tokens(input_tokens: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"input_tokens": input_tokens}))
}

fn openai_error(
    status: u16,
    message: &str,
    kind: &str,
    param: Option<&str>,
    code: &str,
) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": param, "code": code}
    }))
}

fn anthropic_error(status: u16, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"type": "error", "error": {"type": kind, "message": message}}))
        .insert_header("request-id", "req_mock")
}

fn rfc3339_in(d: Duration) -> String {
    let at = chrono::Utc::now() + chrono::Duration::from_std(d).expect("duration fits");
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
