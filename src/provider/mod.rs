//! The only module that speaks LLM HTTP.
//!
//! [`ModelClient`] is one resolved hop: a slug, its base URL, its credential and an HTTP
//! client. `chat` dispatches on the wire format. Everything above this module (chain
//! walker, audit, agent loop, advisor) speaks only the types in [`types`].

pub mod anthropic;
pub mod caps;
pub mod local;
pub mod openai;
pub mod ratelimit;
pub mod responses;
pub mod scripted;
pub mod slug;
pub mod types;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use caps::{Capabilities, CapsSource, Learned, Plan};
pub use slug::{ModelSpec, ProviderKind, SlugError, Wire, parse_slug};
pub use types::*;

use crate::config::ProviderOverride;
use crate::secret::Secret;

/// Where credentials and base URLs come from: the process environment (or a test's map)
/// plus the config file's `providers:` overrides.
#[derive(Debug, Clone, Default)]
pub struct ProviderEnv {
    pub vars: BTreeMap<String, String>,
    pub overrides: BTreeMap<String, ProviderOverride>,
    pub request_timeout: Option<Duration>,
    /// `reasoning_effort` from the config: sent to reasoning models only.
    pub reasoning_effort: Option<String>,
    /// Parameters the run's providers refused, shared by every client resolved from here.
    pub learned: Learned,
}

impl ProviderEnv {
    pub fn from_process(overrides: BTreeMap<String, ProviderOverride>) -> Self {
        ProviderEnv {
            vars: std::env::vars().collect(),
            overrides,
            ..Default::default()
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The credential for a provider and the variable it came from.
    pub fn key_for(&self, provider: ProviderKind) -> Option<(String, Secret)> {
        let override_env = self
            .overrides
            .get(provider.name())
            .and_then(|o| o.api_key_env.clone());
        let names: Vec<String> = match override_env {
            Some(n) => vec![n],
            None => provider.key_envs().iter().map(|s| s.to_string()).collect(),
        };
        names
            .into_iter()
            .find_map(|n| self.var(&n).map(|v| (n.clone(), Secret::new(v))))
    }

    /// Base URL: config override, then the SDK-standard environment variable, then the
    /// provider default.
    pub fn base_url_for(&self, provider: ProviderKind) -> String {
        if let Some(url) = self
            .overrides
            .get(provider.name())
            .and_then(|o| o.base_url.clone())
        {
            return url.trim_end_matches('/').to_string();
        }
        if let Some(url) = provider.base_url_env().and_then(|e| self.var(e)) {
            let url = url.trim_end_matches('/');
            return match provider {
                // OLLAMA_HOST is a bare host[:port]; the OpenAI-compatible API lives at /v1.
                ProviderKind::Ollama => {
                    let with_scheme = if url.contains("://") {
                        url.to_string()
                    } else {
                        format!("http://{url}")
                    };
                    format!("{}/v1", with_scheme.trim_end_matches("/v1"))
                }
                _ => url.to_string(),
            };
        }
        provider.default_base_url().to_string()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Slug(#[from] SlugError),
    #[error("no credential for `{slug}`: set {envs} (as a repository secret in the action)")]
    MissingKey { slug: String, envs: String },
    #[error("scripted model `{0}` cannot be loaded: {1}")]
    Script(String, String),
}

/// One resolved hop of the chain.
#[derive(Clone)]
pub struct ModelClient {
    pub spec: ModelSpec,
    pub base_url: String,
    key: Option<Secret>,
    http: reqwest::Client,
    pub timeout: Duration,
    script: Option<Arc<scripted::Script>>,
    /// What the model accepts (see `caps`); the audit refines it from the catalogue.
    pub caps: Capabilities,
    reasoning_effort: Option<String>,
    learned: Learned,
}

impl std::fmt::Debug for ModelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelClient")
            .field("slug", &self.spec.slug)
            .field("base_url", &self.base_url)
            .finish()
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

impl ModelClient {
    /// Resolve a slug against the environment. A hosted provider without a key is an
    /// error here so the audit can say which secret to add.
    pub fn resolve(slug: &str, env: &ProviderEnv) -> Result<ModelClient, ResolveError> {
        let spec = parse_slug(slug)?;
        // Bounded: a timeout from untrusted config must not overflow clock arithmetic.
        let timeout = env
            .request_timeout
            .unwrap_or(DEFAULT_TIMEOUT)
            .min(Duration::from_secs(7 * 24 * 3600));
        let key = env.key_for(spec.provider).map(|(_, k)| k);
        if spec.provider.needs_key() && key.is_none() {
            let envs = match env
                .overrides
                .get(spec.provider.name())
                .and_then(|o| o.api_key_env.clone())
            {
                Some(e) => e,
                None => spec.provider.key_envs().join(" or "),
            };
            return Err(ResolveError::MissingKey {
                slug: spec.slug,
                envs,
            });
        }
        let script = if spec.provider == ProviderKind::Scripted {
            Some(Arc::new(
                scripted::Script::load(&spec.model)
                    .map_err(|e| ResolveError::Script(spec.slug.clone(), e))?,
            ))
        } else {
            None
        };
        let caps = crate::audit::pricing::built_in_caps(&spec)
            .unwrap_or_else(|| Capabilities::from_name(&spec));
        Ok(ModelClient {
            base_url: env.base_url_for(spec.provider),
            spec,
            key,
            http: http_client(),
            timeout,
            script,
            caps,
            reasoning_effort: env.reasoning_effort.clone(),
            learned: env.learned.clone(),
        })
    }

    /// The same client with capabilities from a better source (the catalogue).
    pub fn with_caps(mut self, caps: Capabilities) -> ModelClient {
        self.caps = caps;
        self
    }

    /// The wire this model is spoken to over (the Responses API for Responses-only models).
    pub fn wire(&self) -> Wire {
        self.caps.wire(self.spec.provider)
    }

    fn learned_key(&self) -> String {
        format!("{}|{}", self.base_url, self.spec.slug)
    }

    /// The parameters `req` will be sent with.
    pub fn plan(&self, req: &ChatRequest) -> Plan {
        self.caps.plan(
            self.spec.provider,
            &self.spec.model,
            req.temperature,
            req.max_tokens,
            self.reasoning_effort.as_deref(),
            &self.learned.refused(&self.learned_key()),
        )
    }

    /// The parameters a typical agent turn sends (`octagit models`, the audit table).
    pub fn describe_params(&self) -> String {
        let turn = ChatRequest {
            max_tokens: crate::agent::run_loop::MAX_OUTPUT_TOKENS,
            temperature: Some(0.0),
            ..Default::default()
        };
        self.plan(&turn).describe()
    }

    /// A client that replays `script` in-process (demo and tests).
    pub fn scripted(name: &str, script: impl Into<Arc<scripted::Script>>) -> ModelClient {
        ModelClient {
            spec: ModelSpec {
                slug: format!("scripted/{name}"),
                provider: ProviderKind::Scripted,
                model: name.to_string(),
            },
            base_url: "scripted:".into(),
            key: None,
            http: http_client(),
            timeout: DEFAULT_TIMEOUT,
            script: Some(script.into()),
            caps: Capabilities {
                temperature: true,
                tools: Some(true),
                ..Default::default()
            },
            reasoning_effort: None,
            learned: Learned::default(),
        }
    }

    pub fn provider(&self) -> ProviderKind {
        self.spec.provider
    }

    pub fn slug(&self) -> &str {
        &self.spec.slug
    }

    pub fn key(&self) -> Option<&Secret> {
        self.key.as_ref()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// One model call. Errors are classified and redacted.
    ///
    /// A 400 that names a parameter the model does not take (`temperature` on gpt-5,
    /// `max_tokens` on o3, ...) is retried once without it, and the parameter is
    /// remembered for the run; a second refusal is `bad-request`, naming the parameter.
    pub async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut dropped: Vec<String> = Vec::new();
        loop {
            let plan = self.plan(req);
            let result = match self.wire() {
                Wire::Scripted => match &self.script {
                    Some(s) => s.next(req).await,
                    None => Err(scripted::missing()),
                },
                Wire::Anthropic => anthropic::chat(self, req, &plan).await,
                Wire::OpenAi => openai::chat(self, req, &plan).await,
                Wire::Responses => responses::chat(self, req, &plan).await,
            };
            match result {
                Ok(mut resp) => {
                    resp.dropped_params = dropped;
                    return Ok(resp);
                }
                Err(mut err) => {
                    let Some(param) = err.param.clone() else {
                        return Err(err);
                    };
                    // At most one retry per parameter, and a bounded number in all.
                    let new = self.learned.refuse(&self.learned_key(), &param);
                    if new && dropped.len() < 3 {
                        tracing::info!(model = %self.spec.slug, %param, "parameter refused; retrying without it");
                        dropped.push(param);
                        continue;
                    }
                    err.class = crate::failure::FailureClass::BadRequest;
                    return Err(err);
                }
            }
        }
    }

    /// The provider's exact input-token count for `req`, where the wire has one
    /// (Anthropic's `count_tokens`); `Ok(None)` elsewhere.
    pub async fn count_tokens(&self, req: &ChatRequest) -> Result<Option<u64>, ProviderError> {
        match self.wire() {
            Wire::Anthropic => anthropic::count_tokens(self, req).await.map(Some),
            Wire::OpenAi | Wire::Responses | Wire::Scripted => Ok(None),
        }
    }
}

/// One shared client: connection pooling across hops to the same host. Timeouts are per
/// request (the chain walker's per-hop timeout), so none is set here.
pub fn http_client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("octagit/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client builds with default TLS")
        })
        .clone()
}

// ---- Shared by both wire adapters: sending, and turning failures into ProviderError ----

/// The most of a raw error body kept on a [`ProviderError`].
pub const RAW_LIMIT: usize = 4096;

/// A complete HTTP answer: status, headers' rate-limit snapshot and the body text.
pub(crate) struct WireAnswer {
    pub status: u16,
    pub body: String,
    pub rate_limits: RateLimits,
    pub latency: Duration,
}

impl ParsedAnswer {
    /// The response every wire returns: the parsed body plus what the HTTP answer carried.
    /// `default_model` stands in when the body does not say which model answered.
    pub(crate) fn into_response(self, answer: WireAnswer, default_model: &str) -> ChatResponse {
        ChatResponse {
            text: self.text,
            tool_calls: self.tool_calls,
            usage: self.usage,
            rate_limits: answer.rate_limits,
            status: answer.status,
            model: self.model.unwrap_or_else(|| default_model.to_string()),
            stop_reason: self.stop_reason,
            latency: answer.latency,
            dropped_params: Vec::new(),
        }
    }
}

/// Send `rb` and read the whole body within `timeout`. Transport failures and timeouts
/// come back as classified errors; HTTP error statuses come back as answers.
pub(crate) async fn send(
    rb: reqwest::RequestBuilder,
    timeout: Duration,
    url: &str,
) -> Result<WireAnswer, ProviderError> {
    let started = std::time::Instant::now();
    let exchange = async {
        let resp = rb.timeout(timeout).send().await?;
        let status = resp.status().as_u16();
        let rate_limits = ratelimit::parse(resp.headers(), chrono::Utc::now());
        let body = resp.text().await?;
        Ok::<_, reqwest::Error>((status, rate_limits, body))
    };
    // The outer timeout is a backstop: reqwest's own covers connect..body end, but a
    // body that trickles forever must not outlive the hop either.
    match tokio::time::timeout(timeout.saturating_add(Duration::from_millis(50)), exchange).await {
        Ok(Ok((status, rate_limits, body))) => Ok(WireAnswer {
            status,
            body,
            rate_limits,
            latency: started.elapsed(),
        }),
        Ok(Err(e)) if e.is_timeout() => Err(timed_out(timeout, started.elapsed())),
        Ok(Err(e)) => Err(transport_error(&e, url, started.elapsed())),
        Err(_) => Err(timed_out(timeout, started.elapsed())),
    }
}

fn timed_out(timeout: Duration, latency: Duration) -> ProviderError {
    let secs = timeout.as_secs_f64();
    let shown = if timeout.subsec_millis() == 0 {
        format!("{secs:.0}")
    } else {
        format!("{secs:.1}")
    };
    ProviderError {
        // A timeout is transient: the walker retries it with a back-off, then moves on
        // without banning the hop.
        class: crate::failure::FailureClass::Transient,
        status: None,
        message: format!(
            "the model timed out after {shown} s without a complete answer; if it is just slow, raise `request_timeout_secs` in .github/octagit.yml"
        ),
        raw: format!("timeout after {} ms", timeout.as_millis()),
        rate_limits: RateLimits::default(),
        latency,
        param: None,
    }
}

fn transport_error(err: &reqwest::Error, url: &str, latency: Duration) -> ProviderError {
    // reqwest's Display is only the outer layer ("error sending request"); the cause
    // (connection refused, DNS, TLS) is in the source chain.
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let text = s.to_string();
        if !chain.contains(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        source = s.source();
    }
    let chain = crate::secret::redact(&chain);
    ProviderError {
        class: crate::failure::classify_transport(err),
        status: None,
        message: crate::secret::redact(&format!(
            "could not reach {url}: {}; check the provider's base URL and that the server is up",
            one_line(&chain, 300)
        )),
        raw: truncate(&chain, RAW_LIMIT),
        rate_limits: RateLimits::default(),
        latency,
        param: None,
    }
}

/// A non-2xx answer: classified from status and body, the provider's own message kept.
pub(crate) fn http_error(answer: &WireAnswer) -> ProviderError {
    let message = provider_message(&answer.body).unwrap_or_else(|| {
        if answer.body.trim().is_empty() {
            format!("HTTP {} with an empty body", answer.status)
        } else {
            format!("HTTP {}: {}", answer.status, answer.body)
        }
    });
    let param = caps::unsupported_param(answer.status, &answer.body);
    ProviderError {
        class: crate::failure::classify_http(answer.status, &answer.body),
        status: Some(answer.status),
        message: crate::secret::redact(&one_line(&message, 400)),
        raw: crate::secret::redact(&truncate(&answer.body, RAW_LIMIT)),
        rate_limits: answer.rate_limits.clone(),
        latency: answer.latency,
        param,
    }
}

/// A 2xx answer that carries an `error` object instead of a completion.
pub(crate) fn embedded_error(
    answer: &WireAnswer,
    json: &serde_json::Value,
) -> Option<ProviderError> {
    let (class, message) = crate::failure::classify_embedded_error(json)?;
    Some(ProviderError {
        class,
        status: Some(answer.status),
        message: crate::secret::redact(&one_line(&message, 400)),
        raw: crate::secret::redact(&truncate(&answer.body, RAW_LIMIT)),
        rate_limits: answer.rate_limits.clone(),
        latency: answer.latency,
        param: None,
    })
}

/// A 2xx answer we cannot read as a completion.
pub(crate) fn malformed(answer: &WireAnswer, what: &str) -> ProviderError {
    ProviderError {
        class: crate::failure::FailureClass::BadModel,
        status: Some(answer.status),
        message: crate::secret::redact(&one_line(
            &format!("the model answered with malformed JSON: {what}"),
            400,
        )),
        raw: crate::secret::redact(&truncate(&answer.body, RAW_LIMIT)),
        rate_limits: answer.rate_limits.clone(),
        latency: answer.latency,
        param: None,
    }
}

/// The message field of an error body in any of the shapes providers use: OpenAI
/// `{"error":{"message"}}`, Anthropic `{"type":"error","error":{"message"}}`, OpenRouter
/// `{"error":{"code","message"}}`, Ollama `{"error":"..."}`, FastAPI (vLLM) `{"detail"}`.
pub(crate) fn provider_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let pick = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            serde_json::Value::Object(o) => o
                .get("message")
                .and_then(|m| m.as_str())
                .filter(|m| !m.trim().is_empty())
                .map(str::to_string),
            _ => None,
        }
    };
    v.get("error")
        .and_then(pick)
        .or_else(|| v.get("message").and_then(pick))
        .or_else(|| {
            v.get("detail")
                .and_then(|d| pick(d).or_else(|| Some(d.to_string())))
        })
}

/// Collapse whitespace to one line and cap its length (on a char boundary).
pub(crate) fn one_line(text: &str, max_chars: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max_chars {
        return joined;
    }
    let mut out: String = joined.chars().take(max_chars).collect();
    out.push('…');
    out
}

/// Keep at most `max` bytes of `text`, cut on a char boundary, saying how much was cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… [{} more bytes]", &text[..cut], text.len() - cut)
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn provider_messages_in_every_shape() {
        let cases = [
            (
                r#"{"error":{"message":"bad key","type":"x","code":"invalid_api_key"}}"#,
                Some("bad key"),
            ),
            (
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                Some("Overloaded"),
            ),
            (
                r#"{"error":"model 'x' not found"}"#,
                Some("model 'x' not found"),
            ),
            (r#"{"detail":"Not Found"}"#, Some("Not Found")),
            (r#"{"message":"Bad credentials"}"#, Some("Bad credentials")),
            ("<html>502</html>", None),
            ("{}", None),
        ];
        for (body, want) in cases {
            assert_eq!(provider_message(body).as_deref(), want, "{body}");
        }
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let text = "é".repeat(3000); // 6000 bytes
        let t = truncate(&text, RAW_LIMIT);
        assert!(t.len() < RAW_LIMIT + 40, "{}", t.len());
        assert!(t.ends_with("more bytes]"));
        assert_eq!(truncate("short", RAW_LIMIT), "short");
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
