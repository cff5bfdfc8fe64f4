//! Context fit: how big the first prompt is, and whether it leaves room in a model's window.
//! tiktoken (o200k_base) everywhere; Anthropic's exact `count_tokens` where the hop answers.

use std::time::Duration;

use serde::Serialize;

use crate::provider::{ModelClient, ToolSpec};

/// A model fits when the first prompt takes at most this share of its input window: the
/// rest is for the turns that follow (tool results, the model's own output) and covers
/// tokenizer differences.
pub const FIT_FRACTION: f64 = 0.75;

/// Per-message framing tokens (role markers, separators) that the text counts miss.
const MESSAGE_OVERHEAD: u64 = 8;

/// The first prompt the agent will send, for an exact count where a provider offers one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstPrompt {
    pub system: String,
    /// The first user message: the issue and the repo map.
    pub user: String,
    pub tools: Vec<ToolSpec>,
}

impl FirstPrompt {
    pub fn new(system: &str, issue: &str, repo_map: &str, tools: &[ToolSpec]) -> Self {
        FirstPrompt {
            system: system.to_string(),
            user: format!("{issue}\n\n{repo_map}"),
            tools: tools.to_vec(),
        }
    }

    pub fn estimate(&self) -> u64 {
        let tools: u64 = self.tools.iter().map(tool_tokens).sum();
        crate::tokens::count(&self.system) as u64
            + crate::tokens::count(&self.user) as u64
            + tools
            + 2 * MESSAGE_OVERHEAD
    }
}

fn tool_tokens(t: &ToolSpec) -> u64 {
    let text = format!("{}\n{}\n{}", t.name, t.description, t.parameters);
    crate::tokens::count(&text) as u64 + MESSAGE_OVERHEAD
}

/// Tiktoken estimate of the first prompt: system prompt + issue + repo map + tool schemas.
pub fn estimate_first_prompt(system: &str, issue: &str, repo_map: &str, tools: &[ToolSpec]) -> u64 {
    FirstPrompt::new(system, issue, repo_map, tools).estimate()
}

/// `Some(true)` when `prompt_tokens` is at most 75% of `window`; `None` when the window is
/// unknown.
pub fn fits(prompt_tokens: u64, window: Option<u64>) -> Option<bool> {
    window.map(|w| prompt_tokens as f64 <= FIT_FRACTION * w as f64)
}

#[derive(Serialize)]
struct CountTool<'a> {
    name: &'a str,
    description: &'a str,
    input_schema: &'a serde_json::Value,
}

/// Anthropic's exact count: `POST {base}/v1/messages/count_tokens` → `input_tokens`
/// (platform-facts.md). Free, and it counts with the model's own tokenizer.
pub async fn anthropic_count_tokens(
    client: &ModelClient,
    prompt: &FirstPrompt,
    timeout: Duration,
) -> Result<u64, String> {
    let url = format!(
        "{}/v1/messages/count_tokens",
        client.base_url.trim_end_matches('/')
    );
    let tools: Vec<CountTool> = prompt
        .tools
        .iter()
        .map(|t| CountTool {
            name: &t.name,
            description: &t.description,
            input_schema: &t.parameters,
        })
        .collect();
    let mut body = serde_json::json!({
        "model": client.spec.model,
        "messages": [{"role": "user", "content": prompt.user}],
    });
    if !prompt.system.is_empty() {
        body["system"] = serde_json::json!(prompt.system);
    }
    if !tools.is_empty() {
        body["tools"] = serde_json::to_value(&tools).map_err(|e| e.to_string())?;
    }
    let mut req = client
        .http()
        .post(&url)
        .timeout(timeout)
        .header("anthropic-version", "2023-06-01")
        .json(&body);
    if let Some(k) = client.key() {
        req = req.header("x-api-key", k.expose());
    }
    let resp = req
        .send()
        .await
        .map_err(|e| crate::secret::redact(&format!("count_tokens: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    if status != 200 {
        let snippet: String = text.chars().take(200).collect();
        return Err(crate::secret::redact(&format!(
            "count_tokens answered HTTP {status}: {snippet}"
        )));
    }
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("input_tokens").and_then(|n| n.as_u64()))
        .ok_or_else(|| "count_tokens answered without `input_tokens`".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_is_three_quarters_of_the_window() {
        assert_eq!(fits(75, Some(100)), Some(true));
        assert_eq!(fits(76, Some(100)), Some(false));
        assert_eq!(fits(10, None), None);
    }

    #[test]
    fn estimate_grows_with_each_part() {
        let tool = ToolSpec {
            name: "read_file".into(),
            description: "Read a file of the repository.".into(),
            parameters: serde_json::json!({"type":"object","properties":{"path":{"type":"string"}}}),
        };
        let base = estimate_first_prompt("You fix issues.", "Bug: crash", "", &[]);
        let with_map = estimate_first_prompt(
            "You fix issues.",
            "Bug: crash",
            "src/main.rs\n  fn main",
            &[],
        );
        let with_tool = estimate_first_prompt(
            "You fix issues.",
            "Bug: crash",
            "src/main.rs\n  fn main",
            &[tool],
        );
        assert!(
            base > 0 && with_map > base && with_tool > with_map,
            "{base} {with_map} {with_tool}"
        );
    }

    #[tokio::test]
    async fn counts_with_anthropic_endpoint() {
        use wiremock::matchers::{body_partial_json, header, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .and(header("x-api-key", "sk-ant-test-count-0123456789"))
            .and(header("anthropic-version", "2023-06-01"))
            .and(body_partial_json(
                serde_json::json!({"model": "claude-sonnet-4-5"}),
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"input_tokens": 1234})),
            )
            .mount(&server)
            .await;
        let mut env = crate::provider::ProviderEnv::default();
        env.vars.insert(
            "ANTHROPIC_API_KEY".into(),
            "sk-ant-test-count-0123456789".into(),
        );
        env.vars.insert("ANTHROPIC_BASE_URL".into(), server.uri());
        let client = ModelClient::resolve("anthropic/claude-sonnet-4-5", &env).unwrap();
        let prompt = FirstPrompt::new("sys", "issue", "map", &[]);
        let n = anthropic_count_tokens(&client, &prompt, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(n, 1234);
    }
}
