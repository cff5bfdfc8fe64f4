//! The TPM probe: one minimal request per candidate (one output token, a one-word prompt)
//! that proves the hop answers and reads the provider's real rate-limit headers. A failing
//! probe is classified and keeps its reason and a next step.

use std::time::{Duration, Instant};

use crate::chain::{ChainWalker, Hop, RetryPolicy};
use crate::failure::FailureClass;
use crate::provider::{
    ChatRequest, Message, ModelClient, ProviderError, ProviderKind, RateLimits, ResolveError,
    ToolSpec,
};
use crate::run_record::HopAttempt;

/// A rate-limited hop whose budget comes back within this long is still usable: the chain
/// walker waits for short resets.
pub const SHORT_RESET: Duration = Duration::from_secs(60);

/// What one probe found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeOutcome {
    pub reachable: bool,
    pub class: Option<FailureClass>,
    /// One line: what happened (redacted).
    pub reason: Option<String>,
    pub next_step: Option<String>,
    pub limits: RateLimits,
    pub probe_ms: Option<u64>,
    /// Learned from the probe itself when the catalogue did not know.
    pub supports_tools: Option<bool>,
    /// The model answered the request to call a tool without a call: a verdict the user
    /// may overrule by naming the model (a server refusing tools is not overruled).
    pub answered_without_call: bool,
}

impl ProbeOutcome {
    pub fn tpm_limit(&self) -> Option<u64> {
        self.limits.tokens_limit.or(self.limits.input_tokens_limit)
    }
    pub fn tpm_remaining(&self) -> Option<u64> {
        self.limits
            .tokens_remaining
            .or(self.limits.input_tokens_remaining)
    }
}

/// The failure of a slug that never reached the network: bad slug or missing key.
pub fn unresolved(err: &ResolveError) -> ProbeOutcome {
    let (class, reason, next) = match err {
        ResolveError::MissingKey { envs, .. } => (
            FailureClass::Auth,
            format!("no key: set {envs}"),
            format!("set {envs} (a repository secret in the action)"),
        ),
        ResolveError::Slug(e) => (
            FailureClass::Config,
            e.to_string(),
            "fix the model slug".into(),
        ),
        ResolveError::Script(_, e) => (
            FailureClass::Config,
            format!("scripted model: {e}"),
            "fix the script path".into(),
        ),
    };
    ProbeOutcome {
        reachable: false,
        class: Some(class),
        reason: Some(crate::secret::redact(&reason)),
        next_step: Some(next),
        ..Default::default()
    }
}

/// The probe's tool: small enough to cost a few tokens. Sent only when the catalogue does
/// not say whether the model calls tools: a server that rejects it has answered the
/// question, and so has a model that answers the request to call it in prose.
const PROBE_TOOL: &str = "report_ok";

fn probe_tool() -> ToolSpec {
    ToolSpec {
        name: PROBE_TOOL.into(),
        description: "Report that you can call tools.".into(),
        parameters: serde_json::json!({
            "type": "object",
            "properties": {"ok": {"type": "boolean"}},
            "required": ["ok"]
        }),
    }
}

/// Output tokens a tool call needs (name, id, `{"ok": true}`); one token proves only that
/// the hop answers.
const TOOL_PROBE_MAX_TOKENS: u32 = 64;

fn probe_request(check_tools: bool) -> ChatRequest {
    if check_tools {
        return ChatRequest {
            system: "You are being tested for tool calling. Answer only with a tool call.".into(),
            messages: vec![Message::user(format!(
                "Call the `{PROBE_TOOL}` tool now with {{\"ok\": true}}. Do not write any text."
            ))],
            tools: vec![probe_tool()],
            max_tokens: TOOL_PROBE_MAX_TOKENS,
            temperature: Some(0.0),
        };
    }
    ChatRequest {
        system: String::new(),
        messages: vec![Message::user("Say OK.")],
        tools: vec![],
        max_tokens: 1,
        temperature: Some(0.0),
    }
}

/// Whether the probe's answer holds a well-formed call of the probe tool.
fn calls_probe_tool(resp: &crate::provider::ChatResponse) -> bool {
    resp.tool_calls.iter().any(|c| {
        c.name == PROBE_TOOL
            && serde_json::from_str::<serde_json::Value>(&c.arguments).is_ok_and(|v| v.is_object())
    })
}

// ProviderError is large (its RateLimits snapshot); one per probe, boxing buys nothing.
#[allow(clippy::result_large_err)]
/// Probe `hop` through a one-hop chain walker, so the probe is an attempt like any other
/// call: recorded, priced, and retried once on a transient blip. Returns the outcome and
/// the attempts.
pub async fn probe(
    hop: Hop,
    check_tools: bool,
    timeout: Duration,
) -> (ProbeOutcome, Vec<HopAttempt>) {
    let client = hop.client.clone();
    let mut walker = ChainWalker::new(vec![hop], RetryPolicy::probe()).with_purpose("probe");
    let started = Instant::now();
    let req = probe_request(check_tools);
    let result = tokio::time::timeout(timeout, walker.call(&req))
        .await
        .map(|r| {
            r.map(|a| a.response).map_err(|e| {
                e.last_error.map(|b| *b).unwrap_or_else(|| ProviderError {
                    class: e.class,
                    status: None,
                    message: e.last,
                    raw: String::new(),
                    rate_limits: RateLimits::default(),
                    latency: started.elapsed(),
                    param: None,
                })
            })
        });
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let probe_ms = Some(elapsed_ms);
    let mut attempts = walker.attempts().to_vec();
    if result.is_err() && attempts.is_empty() {
        // Timed out before any answer: still an attempt, and it counts.
        attempts.push(HopAttempt {
            model: client.slug().to_string(),
            provider: client.provider().to_string(),
            at: chrono::Utc::now(),
            class: Some(FailureClass::Transient),
            error: Some(format!("no answer within {} s", timeout.as_secs())),
            latency_ms: elapsed_ms,
            action: "move-on".into(),
            purpose: Some("probe".into()),
            ..Default::default()
        });
    }
    (
        outcome(&client, check_tools, result, probe_ms, timeout),
        attempts,
    )
}

fn outcome(
    client: &ModelClient,
    check_tools: bool,
    result: Result<
        Result<crate::provider::ChatResponse, ProviderError>,
        tokio::time::error::Elapsed,
    >,
    probe_ms: Option<u64>,
    timeout: Duration,
) -> ProbeOutcome {
    match result {
        Err(_) => ProbeOutcome {
            reachable: false,
            class: Some(FailureClass::Transient),
            reason: Some(format!("no answer within {} s", timeout.as_secs())),
            next_step: Some(next_step(
                FailureClass::Transient,
                client.provider(),
                "timeout",
            )),
            probe_ms,
            ..Default::default()
        },
        Ok(Ok(resp)) if check_tools && !calls_probe_tool(&resp) => {
            let answered = if resp.tool_calls.is_empty() {
                "answered in prose"
            } else {
                "answered with a malformed tool call"
            };
            ProbeOutcome {
                // The hop answers; it just cannot drive the agent's tools.
                reachable: true,
                class: Some(FailureClass::BadModel),
                reason: Some(format!(
                    "no tool calling: {answered} when asked to call a tool"
                )),
                next_step: Some("choose a model with tool calling".into()),
                limits: resp.rate_limits,
                probe_ms,
                supports_tools: Some(false),
                answered_without_call: true,
            }
        }
        Ok(Ok(resp)) => ProbeOutcome {
            reachable: true,
            limits: resp.rate_limits,
            probe_ms,
            supports_tools: check_tools.then_some(true),
            ..Default::default()
        },
        Ok(Err(err)) => from_error(client, check_tools, &err, probe_ms),
    }
}

fn rejects_tools(err: &ProviderError) -> bool {
    let text = format!("{} {}", err.message, err.raw).to_ascii_lowercase();
    text.contains("does not support tools")
        || text.contains("tool use is not supported")
        || text.contains("tools is not supported")
        || text.contains("tool calling is not supported")
        || text.contains("does not support function")
}

fn from_error(
    client: &ModelClient,
    check_tools: bool,
    err: &ProviderError,
    probe_ms: Option<u64>,
) -> ProbeOutcome {
    let limits = err.rate_limits.clone();
    if check_tools && rejects_tools(err) {
        // The hop answered; it just cannot drive the agent's tools.
        return ProbeOutcome {
            reachable: true,
            class: Some(FailureClass::BadModel),
            reason: Some("the model does not support tool calling".into()),
            next_step: Some("choose a model with tool calling".into()),
            limits,
            probe_ms,
            supports_tools: Some(false),
            answered_without_call: false,
        };
    }
    let message = one_line(&err.message);
    let status = err
        .status
        .map(|s| format!("HTTP {s}: "))
        .unwrap_or_default();
    if err.class == FailureClass::Rate {
        let wait = err.retry_after();
        let short = wait.is_some_and(|w| w <= SHORT_RESET);
        let when = wait
            .map(|w| format!("; resets in {} s", w.as_secs().max(1)))
            .unwrap_or_default();
        return ProbeOutcome {
            // A short reset is a slow hop, not a dead one.
            reachable: short,
            class: Some(FailureClass::Rate),
            reason: Some(crate::secret::redact(&format!(
                "{status}rate-limited now{when} ({message})"
            ))),
            next_step: Some(next_step(FailureClass::Rate, client.provider(), &message)),
            limits,
            probe_ms,
            supports_tools: None,
            answered_without_call: false,
        };
    }
    if err.class == FailureClass::Transient {
        // The provider is there but briefly overloaded (5xx, 529) or slow: the model is
        // kept, and the chain walker retries it with back-off during the run.
        return ProbeOutcome {
            reachable: true,
            class: Some(FailureClass::Transient),
            reason: Some(crate::secret::redact(&format!(
                "{status}transient on the probe ({message}); kept, the run retries with back-off"
            ))),
            next_step: Some(next_step(
                FailureClass::Transient,
                client.provider(),
                &message,
            )),
            limits,
            probe_ms,
            supports_tools: None,
            answered_without_call: false,
        };
    }
    let transport = err.status.is_none();
    let reason = if transport && client.provider().is_local() {
        format!("nothing answers at {}", client.base_url)
    } else {
        format!("{status}{message}")
    };
    ProbeOutcome {
        reachable: false,
        class: Some(err.class),
        reason: Some(crate::secret::redact(&reason)),
        next_step: Some(next_step(
            err.class,
            client.provider(),
            if transport { "unreachable" } else { &message },
        )),
        limits,
        probe_ms,
        supports_tools: None,
        answered_without_call: false,
    }
}

fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// One thing a person can do now, per class and provider.
pub fn next_step(class: FailureClass, provider: ProviderKind, detail: &str) -> String {
    let key_env = provider
        .key_envs()
        .first()
        .copied()
        .unwrap_or("the provider's key");
    match class {
        FailureClass::Auth => format!("check {key_env}: the provider refused it"),
        FailureClass::Billing => {
            format!("add credit or a payment method to your {provider} account")
        }
        FailureClass::Rate => "wait for the limit to reset, or put another hop first".into(),
        FailureClass::Context => "choose a model with a larger window".into(),
        FailureClass::BadRequest => match crate::provider::caps::unsupported_param(400, detail) {
            Some(p) => format!(
                "the model refuses `{p}`: OctaGit drops it and retries; if it persists, report it"
            ),
            None => format!("{provider} could not read the request: check its base URL"),
        },
        FailureClass::Transient => {
            format!("{provider} is briefly overloaded: the run retries with back-off")
        }
        _ if provider == ProviderKind::Ollama
            && (detail == "unreachable" || detail == "timeout") =>
        {
            "start Ollama (`ollama serve`) and pull a model (`ollama pull qwen2.5-coder`)".into()
        }
        _ if provider.is_local() && (detail == "unreachable" || detail == "timeout") => {
            format!("start the local {provider} server and load a model")
        }
        _ if detail == "unreachable" => {
            format!("check the network and the {provider} base URL")
        }
        _ if detail == "timeout" => {
            format!("{provider} is slow right now: try again or put another hop first")
        }
        _ => "check the model name (`octagit models` lists what each provider offers)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::parse_slug;

    #[test]
    fn missing_key_names_the_variable() {
        let err = ResolveError::MissingKey {
            slug: "anthropic/claude-sonnet-4-5".into(),
            envs: "ANTHROPIC_API_KEY".into(),
        };
        let o = unresolved(&err);
        assert_eq!(o.class, Some(FailureClass::Auth));
        assert_eq!(o.reason.as_deref(), Some("no key: set ANTHROPIC_API_KEY"));
        assert!(o.next_step.unwrap().contains("ANTHROPIC_API_KEY"));
        assert!(!o.reachable);
    }

    fn client(slug: &str) -> ModelClient {
        let env = crate::provider::ProviderEnv::default();
        let mut c = ModelClient::scripted("x", crate::provider::scripted::Script::new(vec![]));
        c.spec = parse_slug(slug).unwrap();
        c.base_url = env.base_url_for(c.spec.provider);
        c
    }

    fn err(class: FailureClass, status: Option<u16>, msg: &str) -> ProviderError {
        ProviderError {
            class,
            status,
            message: msg.into(),
            raw: msg.into(),
            rate_limits: RateLimits::default(),
            latency: Duration::ZERO,
            param: None,
        }
    }

    #[test]
    fn classifies_failures_with_next_steps() {
        let c = client("ollama/qwen2.5-coder");
        let o = from_error(
            &c,
            false,
            &err(FailureClass::BadModel, None, "connection refused"),
            None,
        );
        assert!(!o.reachable);
        assert!(
            o.reason
                .unwrap()
                .contains("nothing answers at http://127.0.0.1:11434/v1")
        );
        assert!(o.next_step.unwrap().contains("start Ollama"));

        let c = client("openai/gpt-4o");
        let o = from_error(
            &c,
            false,
            &err(
                FailureClass::Billing,
                Some(429),
                "You exceeded your current quota",
            ),
            None,
        );
        assert_eq!(o.class, Some(FailureClass::Billing));
        assert!(o.reason.unwrap().starts_with("HTTP 429: You exceeded"));

        let c = client("ollama/tiny");
        let o = from_error(
            &c,
            true,
            &err(
                FailureClass::BadModel,
                Some(400),
                "registry.ollama.ai/library/tiny does not support tools",
            ),
            None,
        );
        assert!(o.reachable);
        assert_eq!(o.supports_tools, Some(false));
    }

    #[test]
    fn short_rate_limit_is_still_reachable() {
        let c = client("openai/gpt-4o");
        let mut e = err(FailureClass::Rate, Some(429), "Rate limit reached");
        e.rate_limits.retry_after_ms = Some(2_000);
        let o = from_error(&c, false, &e, None);
        assert!(o.reachable);
        assert!(o.reason.unwrap().contains("resets in 2 s"));
        e.rate_limits.retry_after_ms = Some(3_600_000);
        assert!(!from_error(&c, false, &e, None).reachable);
    }
}
