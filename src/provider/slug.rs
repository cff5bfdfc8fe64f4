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
    /// Replays a recorded transcript in-process: the demo and agent-loop tests.
    Scripted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    Anthropic,
    OpenAi,
    Scripted,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 12] = [
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
        "unknown provider `{prefix}` in model slug `{slug}`: use one of anthropic/, openai/, openrouter/, huggingface/, github/, ollama/, ollama_chat/, lm_studio/, llamacpp/, jan/, gpt4all/, vllm/, tgi/"
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
