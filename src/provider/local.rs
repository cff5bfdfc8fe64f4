//! Local-first detection: which model servers answer on this machine, and what they serve.
//!
//! All seven servers are probed at once with a short timeout, so the whole probe costs
//! about one timeout at worst and a few milliseconds when nothing listens (a refused
//! connection fails at once). Ollama is asked at `/api/tags`; the others at the
//! OpenAI-compatible `/v1/models` (ports from platform-facts.md).

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::{ProviderEnv, ProviderKind};

/// Per-server probe timeout. Loopback answers in well under a millisecond; a server busy
/// loading a model may be slower, which this reports as "no answer" rather than waiting.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// The local providers, in the order they are reported.
pub const LOCAL_PROVIDERS: [ProviderKind; 7] = [
    ProviderKind::Ollama,
    ProviderKind::LmStudio,
    ProviderKind::LlamaCpp,
    ProviderKind::Jan,
    ProviderKind::Gpt4All,
    ProviderKind::Vllm,
    ProviderKind::Tgi,
];

/// What one local server said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalStatus {
    pub provider: ProviderKind,
    /// The OpenAI-compatible base URL chat requests go to.
    pub base_url: String,
    /// The URL that was probed.
    pub probed_url: String,
    pub reachable: bool,
    /// Models the server offers that OctaGit may use.
    pub models: Vec<String>,
    /// Models listed but left out, with the reason (`gpt-oss:120b-cloud (cloud model)`).
    pub skipped: Vec<String>,
    /// Why this provider gives no hop, when it gives none.
    pub why_not: Option<String>,
    pub probe_ms: u64,
}

impl LocalStatus {
    pub fn usable(&self) -> bool {
        self.reachable && !self.models.is_empty()
    }
}

/// Probe every local provider at the base URL `env` resolves for it (config override,
/// `OLLAMA_HOST`, or the default port).
pub async fn detect(env: &ProviderEnv) -> Vec<LocalStatus> {
    let targets: Vec<(ProviderKind, String)> = LOCAL_PROVIDERS
        .iter()
        .map(|&p| (p, env.base_url_for(p)))
        .collect();
    detect_with(&targets).await
}

/// Probe the given `(provider, OpenAI-compatible base URL)` pairs concurrently.
pub async fn detect_with(targets: &[(ProviderKind, String)]) -> Vec<LocalStatus> {
    let client = probe_client();
    futures::future::join_all(targets.iter().map(|(p, url)| probe(&client, *p, url))).await
}

/// Chat slugs for every usable local model, in provider order: `ollama/llama3.1:8b`.
pub fn local_hops(statuses: &[LocalStatus]) -> Vec<String> {
    statuses
        .iter()
        .filter(|s| s.usable())
        .flat_map(|s| {
            s.models
                .iter()
                .map(move |m| format!("{}/{m}", s.provider.name()))
        })
        .collect()
}

/// Probes bypass any HTTP proxy: a proxy cannot reach this machine's loopback.
fn probe_client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .user_agent(concat!("octagit/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("reqwest client builds with default TLS")
        })
        .clone()
}

async fn probe(client: &reqwest::Client, provider: ProviderKind, base_url: &str) -> LocalStatus {
    let started = Instant::now();
    let base = base_url.trim_end_matches('/').to_string();
    let probed_url = if provider == ProviderKind::Ollama {
        format!("{}/api/tags", base.strip_suffix("/v1").unwrap_or(&base))
    } else {
        format!("{base}/models")
    };
    let mut status = LocalStatus {
        provider,
        base_url: base,
        probed_url: probed_url.clone(),
        reachable: false,
        models: Vec::new(),
        skipped: Vec::new(),
        why_not: None,
        probe_ms: 0,
    };
    let answer = async {
        let resp = client
            .get(&probed_url)
            .timeout(PROBE_TIMEOUT)
            .send()
            .await?;
        let code = resp.status().as_u16();
        let body = resp.text().await?;
        Ok::<_, reqwest::Error>((code, body))
    }
    .await;
    status.probe_ms = started.elapsed().as_millis() as u64;
    let (code, body) = match answer {
        Ok(a) => a,
        Err(e) => {
            status.why_not = Some(if e.is_timeout() {
                format!(
                    "no answer from {probed_url} within {} ms; {}",
                    PROBE_TIMEOUT.as_millis(),
                    start_hint(provider)
                )
            } else {
                format!(
                    "nothing listening at {}; {}",
                    status.base_url,
                    start_hint(provider)
                )
            });
            return status;
        }
    };
    status.reachable = true;
    if !(200..300).contains(&code) {
        status.why_not = Some(format!(
            "{probed_url} answered HTTP {code}: something else may be using this port; point `providers.{}.base_url` in .github/octagit.yml at the real server",
            provider.name()
        ));
        return status;
    }
    let listed = match serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| model_names(provider, &v))
    {
        Some(names) => names,
        None => {
            status.why_not = Some(format!(
                "{probed_url} answered, but not with a model list: is this really {}?",
                display_name(provider)
            ));
            return status;
        }
    };
    for name in listed {
        if let Some(reason) = skip_reason(provider, &name) {
            status.skipped.push(format!("{name} ({reason})"));
        } else {
            status.models.push(name);
        }
    }
    if status.models.is_empty() {
        status.why_not = Some(format!(
            "{} is running but offers no usable model; {}",
            display_name(provider),
            load_hint(provider)
        ));
    }
    status
}

fn model_names(provider: ProviderKind, v: &Value) -> Option<Vec<String>> {
    let (list, key) = if provider == ProviderKind::Ollama {
        (v.get("models")?.as_array()?, "name")
    } else {
        (v.get("data")?.as_array()?, "id")
    };
    Some(
        list.iter()
            .filter_map(|m| {
                m.get(key)
                    .or_else(|| m.get("model"))
                    .and_then(Value::as_str)
            })
            .map(str::to_string)
            .collect(),
    )
}

/// Why a listed model gets no hop, if it gets none.
fn skip_reason(provider: ProviderKind, name: &str) -> Option<&'static str> {
    // Ollama's `:cloud` / `-cloud` models run on ollama.com: not local, need a sign-in.
    if provider == ProviderKind::Ollama && (name.ends_with(":cloud") || name.ends_with("-cloud")) {
        return Some("cloud model, not local");
    }
    // Embedding models cannot hold a conversation.
    let lower = name.to_ascii_lowercase();
    if lower.contains("embed") || lower.contains("bge-") || lower.contains("minilm") {
        return Some("embedding model");
    }
    None
}

pub fn display_name(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Ollama => "Ollama",
        ProviderKind::LmStudio => "LM Studio",
        ProviderKind::LlamaCpp => "llama.cpp server",
        ProviderKind::Jan => "Jan",
        ProviderKind::Gpt4All => "GPT4All",
        ProviderKind::Vllm => "vLLM",
        ProviderKind::Tgi => "text-generation-webui",
        other => other.name(),
    }
}

fn start_hint(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Ollama => "start it with `ollama serve` or set OLLAMA_HOST",
        ProviderKind::LmStudio => {
            "start the server in LM Studio (Developer tab) or run `lms server start`"
        }
        ProviderKind::LlamaCpp => "start it with `llama-server -m MODEL.gguf --port 8080`",
        ProviderKind::Jan => "enable Jan's Local API Server (port 1337)",
        ProviderKind::Gpt4All => "enable the Local API Server in GPT4All's settings (port 4891)",
        ProviderKind::Vllm => "start it with `vllm serve MODEL`",
        ProviderKind::Tgi => "start text-generation-webui with `--api`",
        _ => "start the server",
    }
}

fn load_hint(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Ollama => "pull one with `ollama pull qwen2.5-coder:7b`",
        ProviderKind::LmStudio => "load a model in LM Studio or run `lms load MODEL`",
        _ => "load a chat model into it",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_cloud_and_embedding_models() {
        assert!(skip_reason(ProviderKind::Ollama, "gpt-oss:120b-cloud").is_some());
        assert!(skip_reason(ProviderKind::Ollama, "qwen3-coder:cloud").is_some());
        assert!(skip_reason(ProviderKind::Ollama, "nomic-embed-text:latest").is_some());
        assert!(skip_reason(ProviderKind::Ollama, "llama3.1:8b").is_none());
        // Only Ollama has cloud models; elsewhere the suffix is just a name.
        assert!(skip_reason(ProviderKind::LmStudio, "my-cloud").is_none());
    }

    #[test]
    fn hops_only_from_usable_servers() {
        let up = LocalStatus {
            provider: ProviderKind::Ollama,
            base_url: "http://127.0.0.1:11434/v1".into(),
            probed_url: String::new(),
            reachable: true,
            models: vec!["llama3.1:8b".into(), "qwen2.5-coder:7b".into()],
            skipped: vec![],
            why_not: None,
            probe_ms: 1,
        };
        let empty = LocalStatus {
            provider: ProviderKind::Jan,
            models: vec![],
            ..up.clone()
        };
        let down = LocalStatus {
            provider: ProviderKind::Vllm,
            reachable: false,
            ..up.clone()
        };
        assert_eq!(
            local_hops(&[up, empty, down]),
            vec![
                "ollama/llama3.1:8b".to_string(),
                "ollama/qwen2.5-coder:7b".to_string()
            ]
        );
    }
}
