//! Prices and context windows: LiteLLM's public catalogue (live, cached on disk for 24 h),
//! OpenRouter's own models endpoint, and a small built-in table for the default chain when
//! neither can be read. Every figure carries where it came from.

mod built_in;
mod fetch;
mod openrouter;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::provider::{Capabilities, CapsSource, ModelSpec, ProviderKind};
use crate::run_record::PriceSource;

pub use built_in::built_in_caps;
pub use fetch::{CACHE_TTL, load_litellm};
pub use openrouter::load_openrouter;

/// LiteLLM's catalogue (platform-facts.md, "Pricing").
pub const LITELLM_URL: &str =
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json";

/// Where prices come from and how long to wait for them.
#[derive(Debug, Clone)]
pub struct PricingOptions {
    /// The LiteLLM catalogue URL; `OCTAGIT_PRICING_URL` overrides it (tests, mirrors).
    pub url: String,
    /// `$RUNNER_TEMP/octagit` in the action, the user cache dir otherwise.
    pub cache_dir: PathBuf,
    pub timeout: Duration,
    /// Never touch the network: cache of any age, then the built-in table.
    pub offline: bool,
}

impl Default for PricingOptions {
    fn default() -> Self {
        PricingOptions::from_vars(&Default::default())
    }
}

impl PricingOptions {
    /// Defaults from an environment map: `OCTAGIT_PRICING_URL`, `OCTAGIT_OFFLINE=1`,
    /// `RUNNER_TEMP` (set inside GitHub Actions; the user cache dir is not kept between jobs
    /// there, the runner temp dir at least survives the job's other steps).
    pub fn from_vars(vars: &std::collections::BTreeMap<String, String>) -> Self {
        let get = |k: &str| {
            vars.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let url = get("OCTAGIT_PRICING_URL").unwrap_or_else(|| LITELLM_URL.to_string());
        let cache_dir = match get("RUNNER_TEMP") {
            Some(t) => PathBuf::from(t).join("octagit"),
            None => dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("octagit"),
        };
        let offline = get("OCTAGIT_OFFLINE").is_some_and(|v| v == "1" || v == "true");
        PricingOptions {
            url,
            cache_dir,
            timeout: Duration::from_secs(5),
            offline,
        }
    }
}

/// What the catalogue says about one model. Prices are USD per million tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
    /// Prompt tokens read from the cache, and written to it (Anthropic).
    pub cache_read_per_mtok: Option<f64>,
    pub cache_write_per_mtok: Option<f64>,
    /// Input window in tokens.
    pub context_window: Option<u64>,
    pub supports_tools: Option<bool>,
    /// What the model accepts, when a table knows the model.
    pub caps: Option<Capabilities>,
    pub source: PriceSource,
}

impl ModelInfo {
    fn unknown() -> Self {
        ModelInfo {
            input_per_mtok: None,
            output_per_mtok: None,
            cache_read_per_mtok: None,
            cache_write_per_mtok: None,
            context_window: None,
            supports_tools: None,
            caps: None,
            source: PriceSource::Unknown,
        }
    }
}

/// A spend bound for a model no table prices: the dearest list price of the built-in
/// table (USD per million tokens in, out), so an unknown model can never run up more than
/// `max_cost_usd` unnoticed.
pub const ASSUMED_PRICE_PER_MTOK: (f64, f64) = (15.0, 75.0);

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Entry {
    input_per_tok: Option<f64>,
    output_per_tok: Option<f64>,
    cache_read_per_tok: Option<f64>,
    cache_write_per_tok: Option<f64>,
    window: Option<u64>,
    max_output: Option<u64>,
    tools: Option<bool>,
    reasoning: Option<bool>,
    caching: Option<bool>,
    /// LiteLLM `mode: "responses"`: served only by the Responses API.
    responses_only: bool,
}

/// A loaded price table and where it came from.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: HashMap<String, Entry>,
    pub source: PriceSource,
    /// Why the live catalogue was not used, when it was not.
    pub note: Option<String>,
}

/// Capabilities from a table entry, the name rules filling what the entry leaves open.
fn caps_of(spec: &ModelSpec, e: &Entry, source: CapsSource) -> Capabilities {
    let by_name = Capabilities::from_name(spec);
    let reasoning = e.reasoning.unwrap_or(by_name.reasoning);
    Capabilities {
        // Claude thinks only when asked with Anthropic's own `thinking` block, which
        // OctaGit does not send; elsewhere a reasoning model gets the reasoning budget and
        // `reasoning_effort`. The temperature rule stays the name rule: Gemini reasons and
        // takes a temperature, the OpenAI reasoning families do not.
        reasoning: reasoning && spec.provider != ProviderKind::Anthropic,
        temperature: by_name.temperature,
        max_output_tokens: e.max_output.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        prompt_caching: spec.provider == ProviderKind::Anthropic
            && e.caching.unwrap_or(by_name.prompt_caching),
        tools: e.tools,
        responses_only: spec.provider == ProviderKind::OpenAi
            && (e.responses_only || by_name.responses_only),
        source,
    }
}

impl Catalogue {
    fn empty(source: PriceSource) -> Catalogue {
        Catalogue {
            entries: HashMap::new(),
            source,
            note: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parse LiteLLM's JSON: an object keyed by model name (plus a `sample_spec` entry).
    pub fn from_litellm(text: &str, source: PriceSource) -> Result<Catalogue, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let obj = v.as_object().ok_or("not a JSON object keyed by model")?;
        let entries: HashMap<String, Entry> = obj
            .iter()
            .filter(|(k, _)| k.as_str() != "sample_spec")
            .filter_map(|(k, m)| {
                let m = m.as_object()?;
                let flag = |k: &str| m.get(k).and_then(|b| b.as_bool());
                Some((
                    k.clone(),
                    Entry {
                        input_per_tok: m.get("input_cost_per_token").and_then(num),
                        output_per_tok: m.get("output_cost_per_token").and_then(num),
                        cache_read_per_tok: m.get("cache_read_input_token_cost").and_then(num),
                        cache_write_per_tok: m.get("cache_creation_input_token_cost").and_then(num),
                        window: m.get("max_input_tokens").and_then(count),
                        max_output: m.get("max_output_tokens").and_then(count),
                        tools: flag("supports_function_calling"),
                        reasoning: flag("supports_reasoning"),
                        caching: flag("supports_prompt_caching"),
                        responses_only: m.get("mode").and_then(|v| v.as_str()) == Some("responses"),
                    },
                ))
            })
            .collect();
        if entries.is_empty() {
            return Err("no model entries".into());
        }
        Ok(Catalogue {
            entries,
            source,
            note: None,
        })
    }

    /// The keys a slug may have here, most specific first: `provider/model` (LiteLLM keys
    /// local and gateway models that way), the model as sent on the wire (OpenAI and
    /// Anthropic are keyed without prefix), then its last path segment
    /// (`github/openai/gpt-4.1` → `gpt-4.1`).
    fn candidate_keys(spec: &ModelSpec) -> Vec<String> {
        let mut keys = vec![
            format!("{}/{}", spec.provider.name(), spec.model),
            spec.model.clone(),
        ];
        if spec.provider == ProviderKind::Ollama {
            keys.insert(1, format!("ollama_chat/{}", spec.model));
        }
        if let Some((_, last)) = spec.model.rsplit_once('/') {
            keys.push(last.to_string());
        }
        keys.dedup();
        keys
    }

    fn entry(&self, spec: &ModelSpec) -> Option<&Entry> {
        Catalogue::candidate_keys(spec)
            .iter()
            .find_map(|k| self.entries.get(k))
    }
}

/// A price from untrusted JSON: finite and not negative, or nothing.
fn num(v: &serde_json::Value) -> Option<f64> {
    let n = match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// A token count from untrusted JSON: a whole number that fits, or nothing.
fn count(v: &serde_json::Value) -> Option<u64> {
    let n = num(v)?;
    (n <= crate::provider::TOKEN_CEILING as f64).then_some(n as u64)
}

/// Prices for one slug, from the first table that knows it. Local models cost nothing
/// whatever the tables say; their window and tool support still come from the tables.
pub fn lookup(spec: &ModelSpec, tables: &[&Catalogue]) -> ModelInfo {
    let found = tables
        .iter()
        .find_map(|t| t.entry(spec).map(|e| (*e, t.source)));
    let mut info = match found {
        Some((e, source)) => ModelInfo {
            input_per_mtok: e.input_per_tok.map(|p| p * 1e6),
            output_per_mtok: e.output_per_tok.map(|p| p * 1e6),
            cache_read_per_mtok: e.cache_read_per_tok.map(|p| p * 1e6),
            cache_write_per_mtok: e.cache_write_per_tok.map(|p| p * 1e6),
            context_window: e.window,
            supports_tools: e.tools,
            caps: Some(caps_of(
                spec,
                &e,
                if source == PriceSource::BuiltIn {
                    CapsSource::BuiltIn
                } else {
                    CapsSource::Catalogue
                },
            )),
            source,
        },
        None => ModelInfo::unknown(),
    };
    if spec.provider.is_local() || spec.provider == ProviderKind::Scripted {
        info.input_per_mtok = Some(0.0);
        info.output_per_mtok = Some(0.0);
        info.cache_read_per_mtok = Some(0.0);
        info.cache_write_per_mtok = Some(0.0);
        info.source = PriceSource::Local;
    }
    if spec.provider == ProviderKind::Scripted {
        info.supports_tools = Some(true);
    }
    if spec.provider == ProviderKind::GitHub {
        // The catalogue knows the model's own window; GitHub's endpoint refuses more
        // ("Request body too large ... Max size: 8000 tokens").
        info.context_window = Some(
            info.context_window
                .map_or(GITHUB_MODELS_INPUT_CAP, |w| w.min(GITHUB_MODELS_INPUT_CAP)),
        );
    }
    info
}

/// GitHub Models' per-request input limit for its free and Copilot tiers (paid usage lifts it).
pub const GITHUB_MODELS_INPUT_CAP: u64 = 8_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::parse_slug;

    pub(super) const LITELLM_SAMPLE: &str = r#"{
        "sample_spec": {"max_input_tokens": "max input tokens"},
        "claude-sonnet-4-5": {"litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 200000,
            "max_output_tokens": 64000, "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "supports_function_calling": true},
        "gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000,
            "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "supports_function_calling": true},
        "ollama/llama3.1": {"litellm_provider": "ollama", "max_input_tokens": 8192,
            "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "supports_function_calling": true}
    }"#;

    #[test]
    fn maps_slugs_onto_litellm_keys() {
        let cat = Catalogue::from_litellm(LITELLM_SAMPLE, PriceSource::Live).unwrap();
        let info = lookup(&parse_slug("anthropic/claude-sonnet-4-5").unwrap(), &[&cat]);
        assert_eq!(info.input_per_mtok, Some(3.0));
        assert_eq!(info.output_per_mtok, Some(15.0));
        assert_eq!(info.context_window, Some(200_000));
        assert_eq!(info.source, PriceSource::Live);
        let info = lookup(&parse_slug("gpt-4o-mini").unwrap(), &[&cat]);
        assert!((info.input_per_mtok.unwrap() - 0.15).abs() < 1e-9);
        let local = lookup(&parse_slug("ollama/llama3.1").unwrap(), &[&cat]);
        assert_eq!(local.source, PriceSource::Local);
        assert_eq!(local.context_window, Some(8192));
        assert_eq!(local.input_per_mtok, Some(0.0));
        let missing = lookup(&parse_slug("openai/gpt-nonexistent").unwrap(), &[&cat]);
        assert_eq!(missing.source, PriceSource::Unknown);
    }

    #[test]
    fn later_tables_fill_gaps() {
        let live = Catalogue::from_litellm(LITELLM_SAMPLE, PriceSource::Live).unwrap();
        let built = Catalogue::built_in(None);
        let info = lookup(
            &parse_slug("github/openai/gpt-4.1-mini").unwrap(),
            &[&live, &built],
        );
        assert_eq!(info.source, PriceSource::BuiltIn);
        assert_eq!(info.context_window, Some(8_000));
    }

    #[test]
    fn github_models_are_capped_at_their_request_limit() {
        let live = Catalogue::from_litellm(
            r#"{"gpt-4.1-mini": {"max_input_tokens": 1047576, "input_cost_per_token": 4e-07}}"#,
            PriceSource::Live,
        )
        .unwrap();
        let info = lookup(&parse_slug("github/openai/gpt-4.1-mini").unwrap(), &[&live]);
        assert_eq!(info.source, PriceSource::Live);
        assert_eq!(info.context_window, Some(GITHUB_MODELS_INPUT_CAP));
    }

    #[test]
    fn built_in_covers_the_default_chain() {
        let built = Catalogue::built_in(None);
        for slug in crate::audit::default_candidates() {
            let info = lookup(&parse_slug(&slug).unwrap(), &[&built]);
            assert_eq!(info.source, PriceSource::BuiltIn, "{slug}");
            assert!(info.input_per_mtok.unwrap() > 0.0, "{slug}");
        }
    }

    #[test]
    fn parses_openrouter_models() {
        let text = r#"{"data":[{"id":"anthropic/claude-sonnet-4.5","context_length":1000000,
            "pricing":{"prompt":"0.000003","completion":"0.000015"},
            "supported_parameters":["max_tokens","tools","temperature"]},
            {"id":"some/model-without-tools","context_length":4096,
            "pricing":{"prompt":"0","completion":"0"},"supported_parameters":["max_tokens"]}]}"#;
        let cat = Catalogue::from_openrouter(text, PriceSource::Live).unwrap();
        let info = lookup(
            &parse_slug("openrouter/anthropic/claude-sonnet-4.5").unwrap(),
            &[&cat],
        );
        assert_eq!(info.input_per_mtok, Some(3.0));
        assert_eq!(info.context_window, Some(1_000_000));
        assert_eq!(info.supports_tools, Some(true));
        let info = lookup(
            &parse_slug("openrouter/some/model-without-tools").unwrap(),
            &[&cat],
        );
        assert_eq!(info.supports_tools, Some(false));
    }
}
