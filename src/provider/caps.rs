//! Per-model capabilities: what a model accepts on the wire, so each call sends only what
//! the model takes. Filled from the LiteLLM catalogue where it knows the model (reasoning,
//! max output tokens, prompt caching, tool calling, Responses-only `mode`), from the
//! built-in table in `audit::pricing` otherwise, and from the model's name as a last resort.
//!
//! The rules the wire adapters apply (`Capabilities::plan`):
//! - OpenAI reasoning models (o1/o3/o4, gpt-5 except its `-chat` variants) refuse any
//!   `temperature` but the default with HTTP 400 `unsupported_value`, and refuse
//!   `max_tokens` with `unsupported_parameter`: they get no temperature and a
//!   `max_completion_tokens` sized for the hidden reasoning plus the visible answer;
//! - `reasoning_effort` (config key) is sent only to reasoning models;
//! - whatever a provider still refuses by name is dropped and remembered (`Learned`).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::slug::{ModelSpec, ProviderKind, Wire};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapsSource {
    /// LiteLLM's catalogue (live or cached).
    Catalogue,
    /// The built-in table of current models.
    BuiltIn,
    /// Neither knows the model: inferred from its name.
    #[default]
    Name,
}

/// What one model accepts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Spends hidden reasoning tokens before it answers.
    pub reasoning: bool,
    /// Accepts a `temperature` other than its default.
    pub temperature: bool,
    /// The most output tokens one answer may have, when known.
    pub max_output_tokens: Option<u32>,
    /// Honours Anthropic `cache_control` breakpoints.
    pub prompt_caching: bool,
    pub tools: Option<bool>,
    /// Served only by OpenAI's Responses API.
    pub responses_only: bool,
    pub source: CapsSource,
}

/// Reasoning budget on top of the visible answer, per `reasoning_effort`.
fn reasoning_budget(effort: Option<&str>) -> u32 {
    match effort.map(str::to_ascii_lowercase).as_deref() {
        Some("minimal") | Some("none") => 1_024,
        Some("low") => 4_096,
        Some("high") | Some("xhigh") => 32_768,
        _ => 16_384,
    }
}

/// The parameters one request will carry, after the model's capabilities and what the
/// run has learned it refuses.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub temperature: Option<f32>,
    /// `max_tokens` or `max_completion_tokens` (or `max_output_tokens` on Responses).
    pub max_tokens_key: &'static str,
    /// `None` when the key itself was refused and dropped.
    pub max_tokens: Option<u32>,
    pub reasoning_effort: Option<String>,
    /// Anthropic `cache_control` breakpoints on system prompt, tools and first message.
    pub cache_control: bool,
}

impl Plan {
    /// One line for `octagit models` and the audit: the parameters that will be sent.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.temperature {
            Some(t) => parts.push(format!("temperature={t}")),
            None => parts.push("no temperature".into()),
        }
        if let Some(n) = self.max_tokens {
            parts.push(format!("{}={n}", self.max_tokens_key));
        }
        if let Some(e) = &self.reasoning_effort {
            parts.push(format!("reasoning_effort={e}"));
        }
        if self.cache_control {
            parts.push("cache_control".into());
        }
        parts.join(", ")
    }
}

/// The model's own name, without gateway prefixes (`openai/gpt-5` on OpenRouter → `gpt-5`).
fn base_name(model: &str) -> String {
    model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase()
}

/// OpenAI's reasoning families, which refuse `temperature` and `max_tokens`.
pub fn openai_reasoning_name(model: &str) -> bool {
    let m = base_name(model);
    let o_series = ["o1", "o3", "o4"]
        .iter()
        .any(|p| m == *p || m.starts_with(&format!("{p}-")));
    let gpt5 = m.starts_with("gpt-5") && !m.contains("-chat");
    o_series || gpt5 || m.starts_with("codex-")
}

/// Models OpenAI serves only through `POST /v1/responses`.
pub fn responses_only_name(model: &str) -> bool {
    let m = base_name(model);
    m.contains("codex") || m.ends_with("-pro") || m.contains("deep-research")
}

impl Capabilities {
    /// From the name alone (no table knows the model).
    pub fn from_name(spec: &ModelSpec) -> Capabilities {
        let m = base_name(&spec.model);
        let openai_reasoning = openai_reasoning_name(&spec.model);
        let reasoning = openai_reasoning || m.contains("reasoner") || m.starts_with("qwq");
        Capabilities {
            reasoning,
            temperature: !openai_reasoning,
            max_output_tokens: None,
            prompt_caching: spec.provider == ProviderKind::Anthropic,
            tools: None,
            responses_only: spec.provider == ProviderKind::OpenAi && responses_only_name(&m),
            source: CapsSource::Name,
        }
    }

    /// The wire this model is spoken to over.
    pub fn wire(&self, provider: ProviderKind) -> Wire {
        match provider.wire() {
            Wire::OpenAi if provider == ProviderKind::OpenAi && self.responses_only => {
                Wire::Responses
            }
            w => w,
        }
    }

    /// What a request asking for `temperature` and `max_tokens` visible tokens sends.
    pub fn plan(
        &self,
        provider: ProviderKind,
        model: &str,
        temperature: Option<f32>,
        max_tokens: u32,
        effort: Option<&str>,
        refused: &BTreeSet<String>,
    ) -> Plan {
        let wire = self.wire(provider);
        // The temperature rule is the OpenAI reasoning families' (Claude and Gemini reason
        // too and take a temperature): the catalogue's `supports_reasoning` alone says
        // nothing about it.
        let temperature = temperature.filter(|_| self.temperature);
        let reasoning_effort = effort
            .filter(|_| self.reasoning)
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty());
        let visible = max_tokens.max(1);
        let wanted = if self.reasoning {
            visible.saturating_add(reasoning_budget(reasoning_effort.as_deref()))
        } else {
            visible
        };
        let capped = match self.max_output_tokens {
            Some(cap) if cap > 0 => wanted.min(cap),
            _ => wanted,
        };
        let max_tokens_key = match wire {
            Wire::Responses => "max_output_tokens",
            Wire::Anthropic | Wire::Scripted => "max_tokens",
            // OpenAI deprecated `max_tokens` for `max_completion_tokens` (o-series and gpt-5
            // refuse the old name); compatible servers mostly know only `max_tokens`.
            Wire::OpenAi if provider == ProviderKind::OpenAi => "max_completion_tokens",
            Wire::OpenAi if openai_reasoning_name(model) => "max_completion_tokens",
            Wire::OpenAi => "max_tokens",
        };
        let mut plan = Plan {
            temperature,
            max_tokens_key,
            max_tokens: (max_tokens > 0 || self.reasoning).then_some(capped),
            reasoning_effort,
            cache_control: wire == Wire::Anthropic && self.prompt_caching,
        };
        for p in refused {
            match p.as_str() {
                "temperature" => plan.temperature = None,
                "reasoning_effort" | "reasoning" | "reasoning.effort" => {
                    plan.reasoning_effort = None
                }
                "max_tokens" if plan.max_tokens_key == "max_tokens" => {
                    // The server wants the new name (the real 400 says so).
                    plan.max_tokens_key = "max_completion_tokens";
                }
                k if k == plan.max_tokens_key => plan.max_tokens = None,
                _ => {}
            }
        }
        plan
    }
}

/// What an agent turn sends `slug` (with `reasoning_effort` from the config), without
/// needing its key: for `octagit models`. The wire, the parameters, and the capabilities.
pub fn params_for(
    slug: &str,
    reasoning_effort: Option<&str>,
) -> Result<(Wire, String, Capabilities), super::SlugError> {
    let spec = super::parse_slug(slug)?;
    let caps = crate::audit::pricing::built_in_caps(&spec)
        .unwrap_or_else(|| Capabilities::from_name(&spec));
    let plan = caps.plan(
        spec.provider,
        &spec.model,
        Some(0.0),
        crate::agent::run_loop::MAX_OUTPUT_TOKENS,
        reasoning_effort,
        &BTreeSet::new(),
    );
    Ok((caps.wire(spec.provider), plan.describe(), caps))
}

/// What the run has learned each model refuses, shared by every client resolved from one
/// `ProviderEnv` (audit probes, hops, advisor), so a parameter refused once is never sent
/// again in that run.
#[derive(Debug, Clone, Default)]
pub struct Learned(Arc<Mutex<HashMap<String, BTreeSet<String>>>>);

impl Learned {
    pub fn refused(&self, key: &str) -> BTreeSet<String> {
        self.0
            .lock()
            .map(|m| m.get(key).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Remember; false when it was already known (the retry would change nothing).
    pub fn refuse(&self, key: &str, param: &str) -> bool {
        match self.0.lock() {
            Ok(mut m) => m
                .entry(key.to_string())
                .or_default()
                .insert(param.to_string()),
            Err(_) => false,
        }
    }
}

/// The parameter a 400 names as unsupported, from OpenAI's body (`param` with code
/// `unsupported_parameter` / `unsupported_value`) or any provider's message of the shape
/// "Unsupported parameter: 'x'" / "'x' is not supported" / "Extra inputs are not permitted".
pub fn unsupported_param(status: u16, body: &str) -> Option<String> {
    if status != 400 && status != 422 {
        return None;
    }
    const KNOWN: [&str; 6] = [
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "reasoning_effort",
        "top_p",
    ];
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let err = v.get("error").unwrap_or(&v);
    let code = err.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let message = err
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or(body)
        .to_ascii_lowercase();
    if let Some(p) = err.get("param").and_then(|p| p.as_str())
        && (code.starts_with("unsupported") || message.contains("unsupported"))
    {
        let p = p.trim_start_matches("reasoning.").to_string();
        let p = if p == "effort" {
            "reasoning_effort".into()
        } else {
            p
        };
        return Some(p);
    }
    let unsupported = message.contains("unsupported")
        || message.contains("not supported")
        || message.contains("extra inputs are not permitted")
        || message.contains("unrecognized request argument")
        || message.contains("unknown parameter");
    if !unsupported {
        return None;
    }
    KNOWN
        .iter()
        .find(|k| {
            message.contains(&format!("'{k}'"))
                || message.contains(&format!("`{k}`"))
                || message.contains(&format!("\"{k}\""))
                || message.contains(&format!(" {k} "))
        })
        .map(|k| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::parse_slug;

    fn caps(slug: &str) -> (ModelSpec, Capabilities) {
        let spec = parse_slug(slug).unwrap();
        let c = Capabilities::from_name(&spec);
        (spec, c)
    }

    #[test]
    fn reasoning_models_get_no_temperature_and_a_reasoning_budget() {
        let (spec, c) = caps("openai/gpt-5");
        assert!(c.reasoning && !c.temperature);
        let p = c.plan(
            spec.provider,
            &spec.model,
            Some(0.0),
            4096,
            None,
            &BTreeSet::new(),
        );
        assert_eq!(p.temperature, None);
        assert_eq!(p.max_tokens_key, "max_completion_tokens");
        assert_eq!(p.max_tokens, Some(4096 + 16_384));
        let p = c.plan(
            spec.provider,
            &spec.model,
            Some(0.0),
            1,
            Some("low"),
            &BTreeSet::new(),
        );
        assert_eq!(p.reasoning_effort.as_deref(), Some("low"));
        assert_eq!(p.max_tokens, Some(1 + 4_096));
        for m in ["o3", "o4-mini", "o1-preview", "gpt-5-mini", "gpt-5.1-codex"] {
            assert!(openai_reasoning_name(m), "{m}");
        }
        for m in [
            "gpt-4.1",
            "gpt-4o-mini",
            "gpt-5-chat-latest",
            "claude-sonnet-4-5",
            "gpt-oss-120b",
        ] {
            assert!(!openai_reasoning_name(m), "{m}");
        }
    }

    #[test]
    fn others_keep_temperature_and_compatible_servers_keep_max_tokens() {
        let (spec, c) = caps("anthropic/claude-sonnet-4-5");
        let p = c.plan(
            spec.provider,
            &spec.model,
            Some(0.0),
            4096,
            Some("high"),
            &BTreeSet::new(),
        );
        assert_eq!(p.temperature, Some(0.0));
        assert_eq!(p.reasoning_effort, None);
        assert!(p.cache_control);
        let (spec, c) = caps("groq/llama-3.3-70b-versatile");
        let p = c.plan(
            spec.provider,
            &spec.model,
            Some(0.2),
            100,
            None,
            &BTreeSet::new(),
        );
        assert_eq!(p.max_tokens_key, "max_tokens");
        assert_eq!(p.describe(), "temperature=0.2, max_tokens=100");
    }

    #[test]
    fn refused_parameters_are_dropped() {
        let (spec, c) = caps("deepseek/deepseek-chat");
        let refused: BTreeSet<String> = ["temperature".to_string()].into();
        let p = c.plan(spec.provider, &spec.model, Some(0.0), 100, None, &refused);
        assert_eq!(p.temperature, None);
        let refused: BTreeSet<String> = ["max_tokens".to_string()].into();
        let p = c.plan(spec.provider, &spec.model, None, 100, None, &refused);
        assert_eq!(p.max_tokens_key, "max_completion_tokens");
    }

    #[test]
    fn responses_only_models_use_the_responses_wire() {
        let (spec, c) = caps("openai/gpt-5-codex");
        assert_eq!(c.wire(spec.provider), Wire::Responses);
        let (spec, c) = caps("openrouter/openai/gpt-5-codex");
        assert_eq!(c.wire(spec.provider), Wire::OpenAi);
    }

    #[test]
    fn finds_the_refused_parameter_in_real_bodies() {
        // OpenAI, gpt-5 with temperature 0 (quoted in github.com/gabrii/Cursor-Azure-GPT-5/issues/33).
        let t = r#"{"error":{"message":"Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.","type":"invalid_request_error","param":"temperature","code":"unsupported_value"}}"#;
        assert_eq!(unsupported_param(400, t).as_deref(), Some("temperature"));
        // OpenAI, o1/gpt-5 with max_tokens (github.com/fish2018/YPrompt/issues/26).
        let m = r#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#;
        assert_eq!(unsupported_param(400, m).as_deref(), Some("max_tokens"));
        // Without `param` (a gateway: github.com/caozhiyuan/copilot-api/issues/164).
        let g = r#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","code":"invalid_request_body"}}"#;
        assert_eq!(unsupported_param(400, g).as_deref(), Some("max_tokens"));
        assert_eq!(unsupported_param(429, t), None);
        let ctx = r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","param":"messages","code":"context_length_exceeded"}}"#;
        assert_eq!(unsupported_param(400, ctx), None);
    }

    #[test]
    fn learned_is_shared_by_clones() {
        let l = Learned::default();
        let c = l.clone();
        assert!(l.refuse("openai/gpt-5", "temperature"));
        assert!(!c.refuse("openai/gpt-5", "temperature"));
        assert!(c.refused("openai/gpt-5").contains("temperature"));
    }
}
