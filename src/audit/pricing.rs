//! Prices and context windows: LiteLLM's public catalogue (live, cached on disk for 24 h),
//! OpenRouter's own models endpoint, and a small built-in table for the default chain when
//! neither can be read. Every figure carries where it came from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::provider::{Capabilities, CapsSource, ModelSpec, ProviderKind};
use crate::run_record::PriceSource;
use crate::secret::Secret;

/// LiteLLM's catalogue (platform-facts.md, "Pricing").
pub const LITELLM_URL: &str =
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json";

/// How long a cached catalogue is trusted without asking the network again.
pub const CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const LITELLM_CACHE_FILE: &str = "litellm-prices.json";
const OPENROUTER_CACHE_FILE: &str = "openrouter-models.json";

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

/// One row of the built-in table.
struct BuiltIn {
    key: &'static str,
    /// USD per million tokens: input, output, cache read, cache write.
    prices: (f64, f64, f64, f64),
    window: u64,
    max_output: u64,
    reasoning: bool,
    caching: bool,
    responses_only: bool,
}

const fn row(
    key: &'static str,
    prices: (f64, f64, f64, f64),
    window: u64,
    max_output: u64,
    reasoning: bool,
    caching: bool,
) -> BuiltIn {
    BuiltIn {
        key,
        prices,
        window,
        max_output,
        reasoning,
        caching,
        responses_only: false,
    }
}

const fn responses_row(key: &'static str, prices: (f64, f64, f64, f64), window: u64) -> BuiltIn {
    BuiltIn {
        key,
        prices,
        window,
        max_output: 128_000,
        reasoning: true,
        caching: true,
        responses_only: true,
    }
}

/// Published list prices, input windows and output limits of current models, for when the
/// catalogue cannot be read (as LiteLLM's catalogue lists them in late 2026: USD per
/// million tokens in, out, cache read, cache write). Every model here calls tools. OpenAI
/// caches prompts automatically (no write price); Anthropic bills a write at 1.25x input.
/// GitHub Models' entries carry its per-request cap (see `GITHUB_MODELS_INPUT_CAP`).
const BUILT_IN: &[BuiltIn] = &[
    row(
        "claude-opus-4-5",
        (5.0, 25.0, 0.5, 6.25),
        200_000,
        64_000,
        false,
        true,
    ),
    row(
        "claude-opus-4-1",
        (15.0, 75.0, 1.5, 18.75),
        200_000,
        32_000,
        false,
        true,
    ),
    row(
        "claude-sonnet-4-5",
        (3.0, 15.0, 0.3, 3.75),
        200_000,
        64_000,
        false,
        true,
    ),
    row(
        "claude-sonnet-4-0",
        (3.0, 15.0, 0.3, 3.75),
        200_000,
        64_000,
        false,
        true,
    ),
    row(
        "claude-haiku-4-5",
        (1.0, 5.0, 0.1, 1.25),
        200_000,
        64_000,
        false,
        true,
    ),
    row(
        "claude-3-5-haiku-latest",
        (0.8, 4.0, 0.08, 1.0),
        200_000,
        8_192,
        false,
        true,
    ),
    row(
        "gpt-5.2",
        (1.75, 14.0, 0.175, 0.0),
        272_000,
        128_000,
        true,
        true,
    ),
    row(
        "gpt-5.1",
        (1.25, 10.0, 0.125, 0.0),
        272_000,
        128_000,
        true,
        true,
    ),
    row(
        "gpt-5",
        (1.25, 10.0, 0.125, 0.0),
        272_000,
        128_000,
        true,
        true,
    ),
    row(
        "gpt-5-mini",
        (0.25, 2.0, 0.025, 0.0),
        272_000,
        128_000,
        true,
        true,
    ),
    row(
        "gpt-5-nano",
        (0.05, 0.4, 0.005, 0.0),
        272_000,
        128_000,
        true,
        true,
    ),
    responses_row("gpt-5-codex", (1.25, 10.0, 0.125, 0.0), 272_000),
    responses_row("gpt-5.1-codex", (1.25, 10.0, 0.125, 0.0), 272_000),
    row(
        "gpt-4.1",
        (2.0, 8.0, 0.5, 0.0),
        1_047_576,
        32_768,
        false,
        true,
    ),
    row(
        "gpt-4.1-mini",
        (0.4, 1.6, 0.1, 0.0),
        1_047_576,
        32_768,
        false,
        true,
    ),
    row(
        "gpt-4.1-nano",
        (0.1, 0.4, 0.025, 0.0),
        1_047_576,
        32_768,
        false,
        true,
    ),
    row(
        "gpt-4o",
        (2.5, 10.0, 1.25, 0.0),
        128_000,
        16_384,
        false,
        true,
    ),
    row(
        "gpt-4o-mini",
        (0.15, 0.6, 0.075, 0.0),
        128_000,
        16_384,
        false,
        true,
    ),
    row("o3", (2.0, 8.0, 0.5, 0.0), 200_000, 100_000, true, true),
    row(
        "o4-mini",
        (1.1, 4.4, 0.275, 0.0),
        200_000,
        100_000,
        true,
        true,
    ),
    row(
        "openrouter/anthropic/claude-sonnet-4.5",
        (3.0, 15.0, 0.3, 3.75),
        200_000,
        64_000,
        false,
        false,
    ),
    row(
        "openrouter/openai/gpt-4.1-mini",
        (0.4, 1.6, 0.1, 0.0),
        1_047_576,
        32_768,
        false,
        false,
    ),
    row(
        "github/openai/gpt-4.1",
        (2.0, 8.0, 0.0, 0.0),
        8_000,
        32_768,
        false,
        false,
    ),
    row(
        "github/openai/gpt-4.1-mini",
        (0.4, 1.6, 0.0, 0.0),
        8_000,
        32_768,
        false,
        false,
    ),
    row(
        "github/openai/gpt-4o-mini",
        (0.15, 0.6, 0.0, 0.0),
        8_000,
        16_384,
        false,
        false,
    ),
];

fn positive(v: f64) -> Option<f64> {
    (v > 0.0).then_some(v / 1e6)
}

fn built_in_entry(b: &BuiltIn) -> Entry {
    let (i, o, r, w) = b.prices;
    Entry {
        input_per_tok: Some(i / 1e6),
        output_per_tok: Some(o / 1e6),
        cache_read_per_tok: positive(r),
        cache_write_per_tok: positive(w),
        window: Some(b.window),
        max_output: Some(b.max_output),
        tools: Some(true),
        reasoning: Some(b.reasoning),
        caching: Some(b.caching),
        responses_only: b.responses_only,
    }
}

/// The capabilities the built-in table gives `spec`, if it lists the model.
pub fn built_in_caps(spec: &ModelSpec) -> Option<Capabilities> {
    let table = Catalogue::built_in(None);
    let e = table.entry(spec)?;
    Some(caps_of(spec, e, CapsSource::BuiltIn))
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
    pub fn built_in(note: Option<String>) -> Catalogue {
        let entries = BUILT_IN
            .iter()
            .map(|b| (b.key.to_string(), built_in_entry(b)))
            .collect();
        Catalogue {
            entries,
            source: PriceSource::BuiltIn,
            note,
        }
    }

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

    /// Parse OpenRouter's `/models` answer: `{"data":[{"id","pricing":{"prompt",
    /// "completion"},"context_length","supported_parameters"}]}` (prices are strings, USD
    /// per token). Keys are `openrouter/<id>` so they share the slug namespace.
    pub fn from_openrouter(text: &str, source: PriceSource) -> Result<Catalogue, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let data = v
            .get("data")
            .and_then(|d| d.as_array())
            .ok_or("no `data` array")?;
        let entries = data
            .iter()
            .filter_map(|m| {
                let id = m.get("id")?.as_str()?;
                let pricing = m.get("pricing");
                let tools = m
                    .get("supported_parameters")
                    .and_then(|p| p.as_array())
                    .map(|p| p.iter().any(|x| x.as_str() == Some("tools")));
                let window = m
                    .get("context_length")
                    .and_then(count)
                    .or_else(|| m.pointer("/top_provider/context_length").and_then(count));
                let params = m.get("supported_parameters").and_then(|p| p.as_array());
                let reasoning = params.map(|p| {
                    p.iter().any(|x| {
                        x.as_str() == Some("reasoning") || x.as_str() == Some("include_reasoning")
                    })
                });
                Some((
                    format!("openrouter/{id}"),
                    Entry {
                        input_per_tok: pricing.and_then(|p| p.get("prompt")).and_then(num),
                        output_per_tok: pricing.and_then(|p| p.get("completion")).and_then(num),
                        cache_read_per_tok: pricing
                            .and_then(|p| p.get("input_cache_read"))
                            .and_then(num),
                        cache_write_per_tok: pricing
                            .and_then(|p| p.get("input_cache_write"))
                            .and_then(num),
                        window,
                        max_output: m
                            .pointer("/top_provider/max_completion_tokens")
                            .and_then(count),
                        tools,
                        reasoning,
                        caching: None,
                        responses_only: false,
                    },
                ))
            })
            .collect();
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

/// LiteLLM's catalogue: a fresh cache without asking, else live, else a stale cache, else
/// the built-in table. Never fails.
pub async fn load_litellm(opts: &PricingOptions) -> Catalogue {
    let parse = |text: &str, src| Catalogue::from_litellm(text, src);
    load_cached(&opts.url, &[], LITELLM_CACHE_FILE, opts, &parse)
        .await
        .unwrap_or_else(|note| {
            Catalogue::built_in(Some(format!("{note}; prices from the built-in table")))
        })
}

/// OpenRouter's models endpoint under `base_url` (`https://openrouter.ai/api/v1`), cached
/// like the LiteLLM catalogue. An empty catalogue (with a note) when neither answers: the
/// built-in table then covers the default chain's OpenRouter hop.
pub async fn load_openrouter(
    base_url: &str,
    key: Option<&Secret>,
    opts: &PricingOptions,
) -> Catalogue {
    let url = format!("{}/models", base_url.trim_end_matches('/'));
    let headers: Vec<(&str, String)> = key
        .map(|k| vec![("authorization", format!("Bearer {}", k.expose()))])
        .unwrap_or_default();
    let parse = |text: &str, src| Catalogue::from_openrouter(text, src);
    load_cached(&url, &headers, OPENROUTER_CACHE_FILE, opts, &parse)
        .await
        .unwrap_or_else(|note| {
            let mut c = Catalogue::empty(PriceSource::Unknown);
            c.note = Some(note);
            c
        })
}

type Parser<'a> = &'a (dyn Fn(&str, PriceSource) -> Result<Catalogue, String> + Sync);

async fn load_cached(
    url: &str,
    headers: &[(&str, String)],
    file: &str,
    opts: &PricingOptions,
    parse: Parser<'_>,
) -> Result<Catalogue, String> {
    let path = opts.cache_dir.join(file);
    let cached = read_cache(&path);
    if let Some((text, age)) = &cached
        && (opts.offline || *age < CACHE_TTL)
        && let Ok(c) = parse(text, PriceSource::Cache)
    {
        return Ok(c);
    }
    let fetch_note = if opts.offline {
        "offline".to_string()
    } else {
        match fetch(url, headers, opts.timeout).await {
            Ok(text) => match parse(&text, PriceSource::Live) {
                Ok(c) => {
                    write_cache(&path, &text);
                    return Ok(c);
                }
                Err(e) => format!("{url} answered with an unreadable catalogue ({e})"),
            },
            Err(e) => e,
        }
    };
    if let Some((text, age)) = &cached
        && let Ok(mut c) = parse(text, PriceSource::Cache)
    {
        c.note = Some(format!(
            "{fetch_note}; used the cached copy from {} h ago",
            age.as_secs() / 3600
        ));
        return Ok(c);
    }
    Err(crate::secret::redact(&fetch_note))
}

async fn fetch(url: &str, headers: &[(&str, String)], timeout: Duration) -> Result<String, String> {
    let mut req = crate::provider::http_client().get(url).timeout(timeout);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "timed out"
        } else {
            "could not be reached"
        };
        format!("price catalogue {url} {what}")
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!(
            "price catalogue {url} answered HTTP {}",
            status.as_u16()
        ));
    }
    resp.text()
        .await
        .map_err(|e| format!("price catalogue {url}: body unreadable ({e})"))
}

fn read_cache(path: &Path) -> Option<(String, Duration)> {
    let text = std::fs::read_to_string(path).ok()?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    Some((text, age))
}

/// Best effort: a cache that cannot be written only costs a fetch next time.
fn write_cache(path: &Path, text: &str) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::parse_slug;

    const LITELLM_SAMPLE: &str = r#"{
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

    fn opts(dir: &Path, url: String) -> PricingOptions {
        PricingOptions {
            url,
            cache_dir: dir.to_path_buf(),
            timeout: Duration::from_secs(2),
            offline: false,
        }
    }

    #[tokio::test]
    async fn live_fetch_is_cached_then_reused() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/prices.json"))
            .respond_with(ResponseTemplate::new(200).set_body_string(LITELLM_SAMPLE))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let o = opts(dir.path(), format!("{}/prices.json", server.uri()));
        let first = load_litellm(&o).await;
        assert_eq!(first.source, PriceSource::Live);
        assert!(dir.path().join(LITELLM_CACHE_FILE).exists());
        // Second load inside the TTL reads the cache without a request (expect(1) above).
        let second = load_litellm(&o).await;
        assert_eq!(second.source, PriceSource::Cache);
        assert_eq!(second.len(), first.len());
    }

    #[tokio::test]
    async fn unreadable_answer_falls_back_to_built_in() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>captive portal</html>"))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let cat = load_litellm(&opts(dir.path(), server.uri())).await;
        assert_eq!(cat.source, PriceSource::BuiltIn);
        assert!(cat.note.unwrap().contains("unreadable"));
        // Nothing bad was cached.
        assert!(!dir.path().join(LITELLM_CACHE_FILE).exists());
    }

    #[tokio::test]
    async fn offline_uses_stale_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LITELLM_CACHE_FILE);
        std::fs::write(&path, LITELLM_SAMPLE).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3 * 24 * 3600))
            .unwrap();
        let mut o = opts(dir.path(), "http://127.0.0.1:9/never".into());
        o.offline = true;
        let cat = load_litellm(&o).await;
        assert_eq!(cat.source, PriceSource::Cache);
    }
}
