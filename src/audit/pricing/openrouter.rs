//! OpenRouter's own models endpoint: its prices, windows and tool support, keyed
//! `openrouter/<id>` so they share the slug namespace.

use super::fetch::load_cached;
use super::{Catalogue, Entry, PricingOptions, count, num};
use crate::run_record::PriceSource;
use crate::secret::Secret;

const OPENROUTER_CACHE_FILE: &str = "openrouter-models.json";

impl Catalogue {
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
