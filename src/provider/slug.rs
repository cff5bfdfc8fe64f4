//! LiteLLM-style model slugs: `anthropic/claude-sonnet-4-5`, `openai/gpt-4o`, bare `gpt-*`,
//! `ollama/llama3.1`, ... Each names a provider, which fixes the wire format, the default
//! base URL and where the credential comes from.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Anthropic,
    OpenAi,
    OpenRouter,
    HuggingFace,
    GitHub,
    Ollama,
    LmStudio,
    LlamaCpp,
    Jan,
    Gpt4All,
    Vllm,
    Tgi,
    /// Google Gemini through its OpenAI-compatible endpoint (`gemini/` in LiteLLM).
    Gemini,
    DeepSeek,
    Groq,
    Mistral,
    Xai,
    TogetherAi,
    FireworksAi,
    Cerebras,
    /// Replays a recorded transcript in-process: the demo and agent-loop tests.
    Scripted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    Anthropic,
    OpenAi,
    /// OpenAI's Responses API (`POST /v1/responses`): models served only there
    /// (`gpt-5-codex`, the `-pro` models). Chosen per model, see `caps::Capabilities`.
    Responses,
    Scripted,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 20] = [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::OpenRouter,
        ProviderKind::HuggingFace,
        ProviderKind::GitHub,
        ProviderKind::Ollama,
        ProviderKind::LmStudio,
        ProviderKind::LlamaCpp,
        ProviderKind::Jan,
        ProviderKind::Gpt4All,
        ProviderKind::Vllm,
        ProviderKind::Tgi,
        ProviderKind::Gemini,
        ProviderKind::DeepSeek,
        ProviderKind::Groq,
        ProviderKind::Mistral,
        ProviderKind::Xai,
        ProviderKind::TogetherAi,
        ProviderKind::FireworksAi,
        ProviderKind::Cerebras,
    ];

    /// The config-file / slug prefix name.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenAi => "openai",
            ProviderKind::OpenRouter => "openrouter",
            ProviderKind::HuggingFace => "huggingface",
            ProviderKind::GitHub => "github",
            ProviderKind::Ollama => "ollama",
            ProviderKind::LmStudio => "lm_studio",
            ProviderKind::LlamaCpp => "llamacpp",
            ProviderKind::Jan => "jan",
            ProviderKind::Gpt4All => "gpt4all",
            ProviderKind::Vllm => "vllm",
            ProviderKind::Tgi => "tgi",
            ProviderKind::Gemini => "gemini",
            ProviderKind::DeepSeek => "deepseek",
            ProviderKind::Groq => "groq",
            ProviderKind::Mistral => "mistral",
            ProviderKind::Xai => "xai",
            ProviderKind::TogetherAi => "together_ai",
            ProviderKind::FireworksAi => "fireworks_ai",
            ProviderKind::Cerebras => "cerebras",
            ProviderKind::Scripted => "scripted",
        }
    }

    pub fn wire(self) -> Wire {
        match self {
            ProviderKind::Anthropic => Wire::Anthropic,
            ProviderKind::Scripted => Wire::Scripted,
            _ => Wire::OpenAi,
        }
    }

    pub fn is_local(self) -> bool {
        matches!(
            self,
            ProviderKind::Ollama
                | ProviderKind::LmStudio
                | ProviderKind::LlamaCpp
                | ProviderKind::Jan
                | ProviderKind::Gpt4All
                | ProviderKind::Vllm
                | ProviderKind::Tgi
        )
    }

    /// Default base URL (for OpenAI-wire providers, the URL that `/chat/completions` is
    /// appended to; for Anthropic, the URL that `/v1/messages` is appended to).
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "https://api.anthropic.com",
            ProviderKind::OpenAi => "https://api.openai.com/v1",
            ProviderKind::OpenRouter => "https://openrouter.ai/api/v1",
            ProviderKind::HuggingFace => "https://router.huggingface.co/v1",
            ProviderKind::GitHub => "https://models.github.ai/inference",
            ProviderKind::Ollama => "http://127.0.0.1:11434/v1",
            ProviderKind::LmStudio => "http://127.0.0.1:1234/v1",
            ProviderKind::LlamaCpp => "http://127.0.0.1:8080/v1",
            ProviderKind::Jan => "http://127.0.0.1:1337/v1",
            ProviderKind::Gpt4All => "http://127.0.0.1:4891/v1",
            ProviderKind::Vllm => "http://127.0.0.1:8000/v1",
            ProviderKind::Tgi => "http://127.0.0.1:5000/v1",
            // The OpenAI-compatible endpoints, as LiteLLM's provider docs give them.
            ProviderKind::Gemini => "https://generativelanguage.googleapis.com/v1beta/openai",
            ProviderKind::DeepSeek => "https://api.deepseek.com/v1",
            ProviderKind::Groq => "https://api.groq.com/openai/v1",
            ProviderKind::Mistral => "https://api.mistral.ai/v1",
            ProviderKind::Xai => "https://api.x.ai/v1",
            ProviderKind::TogetherAi => "https://api.together.xyz/v1",
            ProviderKind::FireworksAi => "https://api.fireworks.ai/inference/v1",
            ProviderKind::Cerebras => "https://api.cerebras.ai/v1",
            ProviderKind::Scripted => "scripted:",
        }
    }

    /// Environment variables that may hold the credential, in order of preference.
    pub fn key_envs(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Anthropic => &["ANTHROPIC_API_KEY"],
            ProviderKind::OpenAi => &["OPENAI_API_KEY"],
            ProviderKind::OpenRouter => &["OPENROUTER_API_KEY"],
            ProviderKind::HuggingFace => &["HF_TOKEN", "HUGGINGFACE_API_KEY"],
            ProviderKind::GitHub => &["GITHUB_API_KEY", "GITHUB_TOKEN"],
            // LiteLLM's names first, then the vendors' own SDK names.
            ProviderKind::Gemini => &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            ProviderKind::DeepSeek => &["DEEPSEEK_API_KEY"],
            ProviderKind::Groq => &["GROQ_API_KEY"],
            ProviderKind::Mistral => &["MISTRAL_API_KEY"],
            ProviderKind::Xai => &["XAI_API_KEY"],
            ProviderKind::TogetherAi => &["TOGETHERAI_API_KEY", "TOGETHER_API_KEY"],
            ProviderKind::FireworksAi => &["FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY"],
            ProviderKind::Cerebras => &["CEREBRAS_API_KEY"],
            _ => &[],
        }
    }

    /// Environment variable that overrides the base URL, if any.
    pub fn base_url_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::Anthropic => Some("ANTHROPIC_BASE_URL"),
            ProviderKind::OpenAi => Some("OPENAI_BASE_URL"),
            ProviderKind::Ollama => Some("OLLAMA_HOST"),
            _ => None,
        }
    }

    pub fn needs_key(self) -> bool {
        !self.is_local() && self != ProviderKind::Scripted
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed slug: which provider, and the model name that provider knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The slug as the user wrote it.
    pub slug: String,
    pub provider: ProviderKind,
    /// The model id sent on the wire (`claude-sonnet-4-5`, `meta-llama/llama-3.1-70b`).
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("empty model slug: give one like `anthropic/claude-sonnet-4-5` or `openai/gpt-4o`")]
    Empty,
    #[error(
        "unknown provider `{prefix}` in model slug `{slug}`: use one of anthropic/, openai/, openrouter/, huggingface/, github/, gemini/, deepseek/, groq/, mistral/, xai/, together_ai/, fireworks_ai/, cerebras/, ollama/, ollama_chat/, lm_studio/, llamacpp/, jan/, gpt4all/, vllm/, tgi/"
    )]
    UnknownProvider { slug: String, prefix: String },
    #[error(
        "model slug `{0}` names no provider: write it as `provider/model`, e.g. `anthropic/{0}` or `openai/{0}`"
    )]
    NoProvider(String),
    #[error("model slug `{0}` has a provider but no model name after the `/`")]
    NoModel(String),
}

/// Parse a LiteLLM-style slug.
pub fn parse_slug(slug: &str) -> Result<ModelSpec, SlugError> {
    let slug = slug.trim();
    if slug.is_empty() {
        return Err(SlugError::Empty);
    }
    let Some((prefix, rest)) = slug.split_once('/') else {
        // LiteLLM accepts bare OpenAI and Anthropic names; so do we.
        let provider = if slug.starts_with("gpt-")
            || slug.starts_with("chatgpt-")
            || slug.starts_with("o1")
            || slug.starts_with("o3")
            || slug.starts_with("o4")
        {
            ProviderKind::OpenAi
        } else if slug.starts_with("claude-") {
            ProviderKind::Anthropic
        } else {
            return Err(SlugError::NoProvider(slug.to_string()));
        };
        return Ok(ModelSpec {
            slug: slug.to_string(),
            provider,
            model: slug.to_string(),
        });
    };
    if rest.is_empty() {
        return Err(SlugError::NoModel(slug.to_string()));
    }
    let provider = match prefix.to_ascii_lowercase().as_str() {
        "anthropic" => ProviderKind::Anthropic,
        "openai" => ProviderKind::OpenAi,
        "openrouter" => ProviderKind::OpenRouter,
        "huggingface" | "hf" => ProviderKind::HuggingFace,
        "github" | "github_models" => ProviderKind::GitHub,
        "ollama" | "ollama_chat" => ProviderKind::Ollama,
        "lm_studio" | "lmstudio" => ProviderKind::LmStudio,
        "llamacpp" | "llama_cpp" => ProviderKind::LlamaCpp,
        "jan" => ProviderKind::Jan,
        "gpt4all" => ProviderKind::Gpt4All,
        "vllm" | "hosted_vllm" => ProviderKind::Vllm,
        "tgi" | "text-generation-webui" | "oobabooga" => ProviderKind::Tgi,
        "gemini" => ProviderKind::Gemini,
        "deepseek" => ProviderKind::DeepSeek,
        "groq" => ProviderKind::Groq,
        "mistral" => ProviderKind::Mistral,
        "xai" => ProviderKind::Xai,
        "together_ai" | "together" => ProviderKind::TogetherAi,
        "fireworks_ai" | "fireworks" => ProviderKind::FireworksAi,
        "cerebras" => ProviderKind::Cerebras,
        "scripted" => ProviderKind::Scripted,
        _ => {
            return Err(SlugError::UnknownProvider {
                slug: slug.to_string(),
                prefix: prefix.to_string(),
            });
        }
    };
    Ok(ModelSpec {
        slug: slug.to_string(),
        provider,
        model: rest.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_litellm_slugs() {
        let cases = [
            (
                "anthropic/claude-sonnet-4-5",
                ProviderKind::Anthropic,
                "claude-sonnet-4-5",
            ),
            ("openai/gpt-4o", ProviderKind::OpenAi, "gpt-4o"),
            ("gpt-4o-mini", ProviderKind::OpenAi, "gpt-4o-mini"),
            ("o3-mini", ProviderKind::OpenAi, "o3-mini"),
            (
                "openrouter/meta-llama/llama-3.1-70b",
                ProviderKind::OpenRouter,
                "meta-llama/llama-3.1-70b",
            ),
            (
                "huggingface/Qwen/Qwen2.5-Coder",
                ProviderKind::HuggingFace,
                "Qwen/Qwen2.5-Coder",
            ),
            (
                "github/openai/gpt-4.1",
                ProviderKind::GitHub,
                "openai/gpt-4.1",
            ),
            ("ollama/llama3.1:8b", ProviderKind::Ollama, "llama3.1:8b"),
            (
                "ollama_chat/qwen2.5-coder",
                ProviderKind::Ollama,
                "qwen2.5-coder",
            ),
            ("lm_studio/qwen", ProviderKind::LmStudio, "qwen"),
            ("llamacpp/any", ProviderKind::LlamaCpp, "any"),
            ("jan/m", ProviderKind::Jan, "m"),
            ("gpt4all/m", ProviderKind::Gpt4All, "m"),
            ("vllm/m", ProviderKind::Vllm, "m"),
            ("tgi/m", ProviderKind::Tgi, "m"),
            (
                "gemini/gemini-2.5-pro",
                ProviderKind::Gemini,
                "gemini-2.5-pro",
            ),
            (
                "deepseek/deepseek-chat",
                ProviderKind::DeepSeek,
                "deepseek-chat",
            ),
            (
                "groq/llama-3.3-70b-versatile",
                ProviderKind::Groq,
                "llama-3.3-70b-versatile",
            ),
            (
                "mistral/mistral-large-latest",
                ProviderKind::Mistral,
                "mistral-large-latest",
            ),
            ("xai/grok-4", ProviderKind::Xai, "grok-4"),
            (
                "together_ai/Qwen/Qwen3-Coder",
                ProviderKind::TogetherAi,
                "Qwen/Qwen3-Coder",
            ),
            (
                "fireworks_ai/accounts/fireworks/models/kimi-k2",
                ProviderKind::FireworksAi,
                "accounts/fireworks/models/kimi-k2",
            ),
            (
                "cerebras/qwen-3-coder",
                ProviderKind::Cerebras,
                "qwen-3-coder",
            ),
        ];
        for (slug, provider, model) in cases {
            let spec = parse_slug(slug).unwrap();
            assert_eq!(spec.provider, provider, "{slug}");
            assert_eq!(spec.model, model, "{slug}");
        }
    }

    #[test]
    fn rejects_bad_slugs_with_advice() {
        assert!(matches!(parse_slug(""), Err(SlugError::Empty)));
        assert!(matches!(
            parse_slug("mistral-large"),
            Err(SlugError::NoProvider(_))
        ));
        let err = parse_slug("acme/model").unwrap_err().to_string();
        assert!(err.contains("anthropic/"), "{err}");
        assert!(matches!(parse_slug("openai/"), Err(SlugError::NoModel(_))));
    }
}
