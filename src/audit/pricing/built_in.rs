//! The built-in price table: published list prices, windows and output limits of current
//! models, for when neither the LiteLLM catalogue nor OpenRouter can be read.

use super::{Catalogue, Entry, caps_of};
use crate::provider::{Capabilities, CapsSource, ModelSpec};
use crate::run_record::PriceSource;

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
}
