//! Failure classes and the classifier that maps provider answers onto them.
//!
//! The first six classes are the model failures of design.md; the chain walker acts on
//! them. The rest are run-level outcomes the advisor explains. The raw error text is
//! always kept beside the class by the caller.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// 429 rate limits, `retry-after`.
    Rate,
    /// The prompt does not fit the model's window.
    Context,
    /// Missing, invalid or expired credentials; 401/403.
    Auth,
    /// No credit or quota left.
    Billing,
    /// Unknown model, no tool support, overloaded, unreachable or timed out.
    BadModel,
    /// The model invented tools, sent bad arguments, edited what is not there, or claimed a
    /// fix the tests refute.
    Hallucination,
    /// The repo's own tests do not pass after the agent's edits.
    Gate,
    /// Max turns, cost or wall-clock reached before the model finished.
    Limit,
    /// The audit found no model that can do the job now.
    NoModel,
    /// Bad configuration or input (event payload, config file, flags).
    Config,
    /// The fix exists locally but could not be pushed or turned into a PR.
    Publish,
    /// The run was cancelled by the user or the client.
    Cancelled,
    /// A bug or an environment fault of ours.
    Internal,
}

impl FailureClass {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Rate => "rate",
            FailureClass::Context => "context",
            FailureClass::Auth => "auth",
            FailureClass::Billing => "billing",
            FailureClass::BadModel => "bad-model",
            FailureClass::Hallucination => "hallucination",
            FailureClass::Gate => "gate",
            FailureClass::Limit => "limit",
            FailureClass::NoModel => "no-model",
            FailureClass::Config => "config",
            FailureClass::Publish => "publish",
            FailureClass::Cancelled => "cancelled",
            FailureClass::Internal => "internal",
        }
    }

    /// Classes after which no other hop of the same provider can succeed.
    pub fn poisons_provider(self) -> bool {
        matches!(self, FailureClass::Auth | FailureClass::Billing)
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classify an HTTP error answer from a model provider.
///
/// `body` is the raw body (JSON or not). Bodies win over status codes where they are more
/// precise: OpenAI's `insufficient_quota` is a 429 but means billing, Anthropic's "credit
/// balance is too low" is a 400.
pub fn classify_http(status: u16, body: &str) -> FailureClass {
    let lower = body.to_ascii_lowercase();
    let has = |s: &str| lower.contains(s);

    if has("insufficient_quota")
        || has("credit balance is too low")
        || has("insufficient credits")
        || has("billing")
        || has("payment required")
        || has("exceeded your current quota")
        || status == 402
    {
        return FailureClass::Billing;
    }
    if has("context_length_exceeded")
        || has("prompt is too long")
        || has("maximum context length")
        || has("context window")
        || has("too many tokens")
        || has("request_too_large")
        || has("string too long")
        || status == 413
    {
        return FailureClass::Context;
    }
    if has("invalid_api_key")
        || has("authentication_error")
        || has("invalid x-api-key")
        || has("incorrect api key")
        || has("unauthorized")
        || has("permission_error")
        || status == 401
        || status == 403
    {
        return FailureClass::Auth;
    }
    if has("rate_limit") || status == 429 {
        return FailureClass::Rate;
    }
    if has("model_not_found")
        || has("not_found_error")
        || has("does not exist")
        || has("does not support tools")
        || has("tool use is not supported")
        || has("tools is not supported")
        || has("overloaded")
        || status == 404
        || status == 529
        || status >= 500
    {
        return FailureClass::BadModel;
    }
    // A 4xx we cannot read: the request shape or model choice is wrong for this endpoint.
    FailureClass::BadModel
}

/// Classify a 200 answer that carries an error inside (OpenRouter streams errors after
/// generation started; some gateways wrap upstream failures this way).
pub fn classify_embedded_error(body: &serde_json::Value) -> Option<(FailureClass, String)> {
    let err = body.get("error")?;
    let message = err
        .get("message")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| err.to_string());
    let code = err
        .get("code")
        .and_then(|c| c.as_u64())
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(500);
    Some((classify_http(code, &err.to_string()), message))
}

/// Classify a transport failure (no HTTP answer at all).
pub fn classify_transport(err: &reqwest::Error) -> FailureClass {
    let _ = err;
    // Connection refused, DNS failure, timeout, reset mid-body: the hop is unusable now;
    // the next hop may not be.
    FailureClass::BadModel
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real-shaped bodies from platform-facts.md.
    #[test]
    fn classifies_real_bodies() {
        let cases: &[(u16, &str, FailureClass)] = &[
            (
                429,
                r#"{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
                FailureClass::Rate,
            ),
            (
                429,
                r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
                FailureClass::Billing,
            ),
            (
                400,
                r#"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
                FailureClass::Context,
            ),
            (
                404,
                r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
                FailureClass::BadModel,
            ),
            (
                401,
                r#"{"error":{"message":"Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
                FailureClass::Auth,
            ),
            (
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208000 tokens > 200000 maximum"}}"#,
                FailureClass::Context,
            ),
            (
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}"#,
                FailureClass::Billing,
            ),
            (
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                FailureClass::Auth,
            ),
            (
                404,
                r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}}"#,
                FailureClass::BadModel,
            ),
            (
                429,
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
                FailureClass::Rate,
            ),
            (
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                FailureClass::BadModel,
            ),
            (
                413,
                r#"{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}"#,
                FailureClass::Context,
            ),
            (
                402,
                r#"{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/credits"}}"#,
                FailureClass::Billing,
            ),
            (
                503,
                "<html>Service Unavailable</html>",
                FailureClass::BadModel,
            ),
            (403, "", FailureClass::Auth),
        ];
        for (status, body, want) in cases {
            assert_eq!(
                classify_http(*status, body),
                *want,
                "status {status} body {body}"
            );
        }
    }

    #[test]
    fn embedded_error_in_200() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"id":"x","error":{"code":429,"message":"Rate limit exceeded: free-models-per-min"}}"#,
        )
        .unwrap();
        let (class, msg) = classify_embedded_error(&v).unwrap();
        assert_eq!(class, FailureClass::Rate);
        assert!(msg.contains("free-models-per-min"));
        assert!(classify_embedded_error(&serde_json::json!({"choices": []})).is_none());
    }
}
