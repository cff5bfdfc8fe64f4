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
    /// Unknown model, no tool support, or unreachable.
    BadModel,
    /// The request carried a parameter the model refuses (HTTP 400 naming it: `temperature`
    /// or `max_tokens` on a reasoning model), or a shape the endpoint cannot read.
    BadRequest,
    /// The provider is briefly unable to answer: 500/502/503/504, Anthropic 529
    /// `overloaded_error`, a reset connection or a timeout. Retried with back-off; the hop
    /// is not banned.
    Transient,
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
            FailureClass::BadRequest => "bad-request",
            FailureClass::Transient => "transient",
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
        || status == 404
    {
        return FailureClass::BadModel;
    }
    // Before the overload check: "Our servers are currently overloaded" also comes as a
    // 400 from gateways, but a 400 naming a parameter is about the request.
    if crate::provider::caps::unsupported_param(status, body).is_some() {
        return FailureClass::BadRequest;
    }
    if has("overloaded")
        || has("server_error")
        || has("service_unavailable")
        || matches!(status, 500 | 502 | 503 | 504 | 529)
    {
        return FailureClass::Transient;
    }
    if status >= 500 {
        // 501, 505 and the like: the endpoint cannot serve this model.
        return FailureClass::BadModel;
    }
    if status == 400 || status == 422 {
        // A 400 we cannot read further: the request shape is wrong for this endpoint.
        return FailureClass::BadRequest;
    }
    // Any other 4xx: the model choice is wrong for this endpoint.
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
    if err.is_connect() && !err.is_timeout() {
        // Connection refused or DNS failure: nothing listens there, and waiting will not
        // change that within a run.
        return FailureClass::BadModel;
    }
    // A reset mid-body, a closed connection, a timeout: the next try may well work.
    FailureClass::Transient
}

/// The built-in advice for the two provider classes that name their cause: `bad-request`
/// (the parameter the model refused, not the model) and `transient` (the provider was
/// briefly down; the model is fine). `(headline, why, next step)`, for the advisor.
pub(crate) fn provider_advice(
    class: FailureClass,
    record: &crate::run_record::RunRecord,
) -> Option<(String, String, String)> {
    let failing: Vec<&crate::run_record::HopAttempt> = record
        .hops
        .iter()
        .chain(record.audit.iter().flat_map(|a| a.attempts.iter()))
        .filter(|h| h.class == Some(class))
        .collect();
    let models: Vec<String> = failing
        .iter()
        .map(|h| h.model.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let model = models
        .first()
        .cloned()
        .unwrap_or_else(|| "the model".into());
    match class {
        FailureClass::BadRequest => {
            let param = failing
                .iter()
                .filter_map(|h| {
                    h.error
                        .as_deref()
                        .and_then(|e| crate::provider::caps::unsupported_param(400, e))
                })
                .chain(failing.iter().flat_map(|h| h.dropped_params.iter().cloned()))
                .next()
                .or_else(|| {
                    record
                        .failure
                        .as_ref()
                        .and_then(|f| crate::provider::caps::unsupported_param(400, &f.raw))
                });
            Some(match param {
                Some(p) => (
                    format!("{model} refused the request parameter `{p}`"),
                    format!(
                        "{model} answered HTTP 400: it does not accept `{p}` as OctaGit sent it. OctaGit dropped it and retried once, and the provider refused the request again. The model itself is fine."
                    ),
                    if p == "reasoning_effort" {
                        "Remove `reasoning_effort` from .github/octagit.yml (or set a value this model lists), then re-run.".to_string()
                    } else {
                        format!(
                            "Re-run; if {model} refuses `{p}` again, report it with run.json attached, and meanwhile put another model first in `fallback_chain`."
                        )
                    },
                ),
                None => (
                    format!("{model} could not read the request"),
                    format!(
                        "{model} answered HTTP 400 without naming a parameter: the endpoint does not accept the request's shape. The model name itself was accepted."
                    ),
                    "Check the provider's base URL (an endpoint for another API answers like this), or put another model first in `fallback_chain`.".to_string(),
                ),
            })
        }
        FailureClass::Transient => Some((
            format!("{model} was briefly unavailable"),
            format!(
                "{} answered with server errors or overload (HTTP 5xx, Anthropic 529) or timed out, on every retry with back-off. This is the provider's side: the model and your keys are fine.",
                if models.len() > 1 { models.join(", ") } else { model.clone() }
            ),
            "Re-run in a few minutes, or add a model from another provider to `fallback_chain` so an outage of one provider does not stop the run.".to_string(),
        )),
        _ => None,
    }
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
                FailureClass::Transient,
            ),
            // Anthropic's 500 during an incident (github.com/anthropics/claude-code/issues/8104).
            (
                500,
                r#"{"type":"error","error":{"type":"api_error","message":"Overloaded"},"request_id":null}"#,
                FailureClass::Transient,
            ),
            // OpenAI's 503 (github.com/Wei-Shaw/sub2api/issues/6631).
            (
                503,
                r#"{"error":{"code":"server_is_overloaded","message":"Our servers are currently overloaded. Please try again later.","param":null,"type":"service_unavailable_error"}}"#,
                FailureClass::Transient,
            ),
            // gpt-5 refusing temperature 0 (github.com/gabrii/Cursor-Azure-GPT-5/issues/33).
            (
                400,
                r#"{"error":{"message":"Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.","type":"invalid_request_error","param":"temperature","code":"unsupported_value"}}"#,
                FailureClass::BadRequest,
            ),
            (
                400,
                r#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#,
                FailureClass::BadRequest,
            ),
            (501, "Not Implemented", FailureClass::BadModel),
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
                FailureClass::Transient,
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
