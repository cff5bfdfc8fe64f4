//! Wire-neutral chat types: what the agent loop, the audit and the advisor speak. The
//! adapters in `anthropic.rs` and `openai.rs` translate them to and from each wire format.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::failure::FailureClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    /// The result of one tool call; `tool_call_id` names the call.
    Tool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    #[serde(default)]
    pub content: String,
    /// Calls the assistant made in this turn (assistant messages only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Which call this message answers (tool messages only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: text.into(),
            tool_calls: vec![],
            tool_call_id: None,
        }
    }
    pub fn assistant(text: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Message {
            role: Role::Assistant,
            content: text.into(),
            tool_calls,
            tool_call_id: None,
        }
    }
    pub fn tool_result(call_id: impl Into<String>, text: impl Into<String>) -> Self {
        Message {
            role: Role::Tool,
            content: text.into(),
            tool_calls: vec![],
            tool_call_id: Some(call_id.into()),
        }
    }
}

/// A tool the model may call, with its JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

/// One tool call as the model sent it. `arguments` stays the raw JSON text: a model that
/// sends invalid JSON is a hallucination signal the loop must see, not a parse panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Every prompt token, cached or not.
    pub input_tokens: u64,
    /// Every output token, reasoning included (that is what is billed).
    pub output_tokens: u64,
    /// Of `input_tokens`, read from the provider's prompt cache (billed at the cache price).
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Of `input_tokens`, written to Anthropic's prompt cache (billed at 1.25x input).
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Of `output_tokens`, hidden reasoning.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

/// No real answer has more tokens than this; a body that says otherwise is clamped so
/// that sums over a run cannot overflow.
pub const TOKEN_CEILING: u64 = 1 << 40;

/// A token count read from untrusted JSON: clamped to [`TOKEN_CEILING`].
pub fn token_count(v: Option<&serde_json::Value>) -> u64 {
    v.and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
        .min(TOKEN_CEILING)
}

/// A snapshot of the provider's rate-limit headers on one answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RateLimits {
    pub requests_limit: Option<u64>,
    pub requests_remaining: Option<u64>,
    pub tokens_limit: Option<u64>,
    pub tokens_remaining: Option<u64>,
    pub input_tokens_limit: Option<u64>,
    pub input_tokens_remaining: Option<u64>,
    /// Milliseconds until the request budget resets.
    pub requests_reset_ms: Option<u64>,
    /// Milliseconds until the token budget resets.
    pub tokens_reset_ms: Option<u64>,
    /// `retry-after`, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl RateLimits {
    pub fn is_empty(&self) -> bool {
        *self == RateLimits::default()
    }
}

#[derive(Debug, Clone)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub rate_limits: RateLimits,
    pub status: u16,
    /// The model name the provider says answered.
    pub model: String,
    pub stop_reason: Option<String>,
    pub latency: Duration,
    /// Parameters the provider refused by name (HTTP 400) and this call was retried
    /// without; remembered for the rest of the run.
    pub dropped_params: Vec<String>,
}

/// A provider call that failed. Every field is already redacted.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{class}: {message}")]
pub struct ProviderError {
    pub class: FailureClass,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// One-line human message (the provider's own where it has one).
    pub message: String,
    /// The raw body or transport error text, truncated.
    pub raw: String,
    pub rate_limits: RateLimits,
    pub latency: Duration,
    /// The request parameter the provider refused, for `bad-request`.
    pub param: Option<String>,
}

impl ProviderError {
    /// How long the provider asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.rate_limits
            .retry_after_ms
            .or(self.rate_limits.tokens_reset_ms)
            .or(self.rate_limits.requests_reset_ms)
            .map(Duration::from_millis)
    }
}

/// What a 2xx answer body holds, in either wire format, before the adapter adds the
/// transport facts (status, headers, latency). `Err` from a parser names what is missing.
pub(crate) struct ParsedAnswer {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub model: Option<String>,
    pub stop_reason: Option<String>,
}
