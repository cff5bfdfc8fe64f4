//! The OpenAI chat-completions wire format: OpenAI itself and every OpenAI-compatible
//! provider (OpenRouter, Hugging Face router, GitHub Models, the local servers).
//!
//! Request: `POST {base}/chat/completions` with `messages` (system first, assistant
//! `tool_calls`, `role: tool` results) and `tools: [{type: function, function: {name,
//! description, parameters}}]`. Answer: `choices[0].message.{content, tool_calls}`,
//! `finish_reason`, `usage.{prompt_tokens, completion_tokens}`.

use serde_json::{Map, Value, json};

use super::{
    ChatRequest, ChatResponse, ModelClient, ProviderError, ProviderKind, Role, ToolCall, Usage,
    WireAnswer,
};
use crate::secret::Secret;

/// `{base}/chat/completions`. GitHub Models' base already ends in `/inference`.
pub fn chat_url(base_url: &str) -> String {
    format!("{}/chat/completions", base_url.trim_end_matches('/'))
}

/// The JSON body for `req` addressed to `model` at `provider`, with the parameters of
/// `plan` (what this model accepts: see `caps`).
pub fn request_body(
    provider: ProviderKind,
    model: &str,
    req: &ChatRequest,
    plan: &super::Plan,
) -> Value {
    let _ = provider;
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        messages.push(json!({"role": "system", "content": req.system}));
    }
    for m in &req.messages {
        messages.push(match m.role {
            Role::User => json!({"role": "user", "content": m.content}),
            Role::Assistant => {
                let mut msg = Map::new();
                msg.insert("role".into(), "assistant".into());
                // With tool calls and no text, OpenAI expects `content: null`.
                msg.insert(
                    "content".into(),
                    if m.content.is_empty() && !m.tool_calls.is_empty() {
                        Value::Null
                    } else {
                        m.content.clone().into()
                    },
                );
                if !m.tool_calls.is_empty() {
                    let calls: Vec<Value> = m
                        .tool_calls
                        .iter()
                        .map(|c| {
                            json!({
                                "id": c.id,
                                "type": "function",
                                "function": {"name": c.name, "arguments": c.arguments}
                            })
                        })
                        .collect();
                    msg.insert("tool_calls".into(), calls.into());
                }
                Value::Object(msg)
            }
            Role::Tool => json!({
                "role": "tool",
                "tool_call_id": m.tool_call_id.clone().unwrap_or_default(),
                "content": m.content,
            }),
        });
    }
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    body.insert("messages".into(), messages.into());
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters}
                })
            })
            .collect();
        body.insert("tools".into(), tools.into());
    }
    if let Some(n) = plan.max_tokens {
        body.insert(plan.max_tokens_key.into(), n.into());
    }
    if let Some(e) = &plan.reasoning_effort {
        body.insert("reasoning_effort".into(), e.clone().into());
    }
    if let Some(t) = plan.temperature {
        // f32 → f64 without the binary noise (0.2 stays 0.2 on the wire).
        body.insert(
            "temperature".into(),
            json!((f64::from(t) * 1000.0).round() / 1000.0),
        );
    }
    Value::Object(body)
}

pub(crate) fn parse_completion(json: &Value) -> Result<super::types::ParsedAnswer, String> {
    let choice = json
        .get("choices")
        .and_then(Value::as_array)
        .ok_or("no `choices` array in the answer")?
        .first()
        .ok_or("`choices` is empty")?;
    let message = choice
        .get("message")
        .ok_or("`choices[0]` has no `message`")?;
    let text = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        // Some compatible servers send content parts.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    };
    let mut tool_calls = Vec::new();
    if let Some(calls) = message.get("tool_calls").and_then(Value::as_array) {
        for (i, c) in calls.iter().enumerate() {
            let f = c.get("function").ok_or("a tool call has no `function`")?;
            let name = f
                .get("name")
                .and_then(Value::as_str)
                .ok_or("a tool call has no function name")?
                .to_string();
            // The raw string, unparsed: invalid JSON is the agent loop's signal. Some local
            // servers send an object instead of a string; keep its JSON text.
            let arguments = match f.get("arguments") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            };
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("call_{i}"));
            tool_calls.push(ToolCall {
                id,
                name,
                arguments,
            });
        }
    }
    let usage = json.get("usage");
    let count = |k: &str| super::types::token_count(usage.and_then(|u| u.pointer(k)));
    // `prompt_tokens` includes the cached ones; reasoning tokens are inside
    // `completion_tokens` (both billed as output).
    let input_tokens = count("/prompt_tokens");
    Ok(super::types::ParsedAnswer {
        text,
        tool_calls,
        usage: Usage {
            input_tokens,
            output_tokens: count("/completion_tokens"),
            cache_read_tokens: count("/prompt_tokens_details/cached_tokens").min(input_tokens),
            cache_write_tokens: 0,
            reasoning_tokens: count("/completion_tokens_details/reasoning_tokens"),
        },
        model: json
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
        stop_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// Headers every request to `provider` carries besides the JSON content type.
pub(crate) fn with_headers(
    mut rb: reqwest::RequestBuilder,
    provider: ProviderKind,
    key: Option<&Secret>,
) -> reqwest::RequestBuilder {
    if let Some(key) = key {
        rb = rb.bearer_auth(key.expose());
    }
    match provider {
        // Optional attribution headers OpenRouter shows on its dashboards.
        ProviderKind::OpenRouter => rb
            .header("HTTP-Referer", "https://github.com/octagit/action")
            .header("X-Title", "OctaGit"),
        ProviderKind::GitHub => rb
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28"),
        _ => rb,
    }
}

pub async fn chat(
    client: &ModelClient,
    req: &ChatRequest,
    plan: &super::Plan,
) -> Result<ChatResponse, ProviderError> {
    let url = chat_url(&client.base_url);
    let body = request_body(client.provider(), &client.spec.model, req, plan);
    let rb = with_headers(client.http().post(&url), client.provider(), client.key()).json(&body);
    let answer = super::send(rb, client.timeout, &url).await?;
    finish(client, answer)
}

// ProviderError is the shared contract type (its RateLimits snapshot makes it large);
// it is returned once per model call, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn finish(client: &ModelClient, answer: WireAnswer) -> Result<ChatResponse, ProviderError> {
    if !(200..300).contains(&answer.status) {
        return Err(super::http_error(&answer));
    }
    let json: Value = serde_json::from_str(&answer.body).map_err(|e| {
        super::malformed(
            &answer,
            &format!("{e} (body starts {:?})", head(&answer.body)),
        )
    })?;
    if let Some(err) = super::embedded_error(&answer, &json) {
        return Err(err);
    }
    let parsed = parse_completion(&json).map_err(|what| super::malformed(&answer, &what))?;
    Ok(parsed.into_response(answer, &client.spec.model))
}

/// `GET {base}/models`: the ids an OpenAI-compatible server offers.
pub async fn list_models(
    http: &reqwest::Client,
    base_url: &str,
    provider: ProviderKind,
    key: Option<&Secret>,
    timeout: std::time::Duration,
) -> Result<Vec<String>, ProviderError> {
    let url = format!("{}/models", base_url.trim_end_matches('/'));
    let rb = with_headers(http.get(&url), provider, key);
    let answer = super::send(rb, timeout, &url).await?;
    if !(200..300).contains(&answer.status) {
        return Err(super::http_error(&answer));
    }
    let json: Value = serde_json::from_str(&answer.body)
        .map_err(|e| super::malformed(&answer, &format!("{e} in the model list")))?;
    let data = json
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| super::malformed(&answer, "no `data` array in the model list"))?;
    Ok(data
        .iter()
        .filter_map(|m| m.get("id").and_then(Value::as_str))
        .map(str::to_string)
        .collect())
}

fn head(body: &str) -> String {
    body.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Message, ToolSpec};

    fn sample() -> ChatRequest {
        ChatRequest {
            system: "You fix bugs.".into(),
            messages: vec![
                Message::user("Fix issue 1"),
                Message::assistant(
                    "",
                    vec![ToolCall {
                        id: "c1".into(),
                        name: "read_file".into(),
                        arguments: r#"{"path":"a.rs"}"#.into(),
                    }],
                ),
                Message::tool_result("c1", "fn main() {}"),
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "Read a file".into(),
                parameters: json!({"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}),
            }],
            max_tokens: 1024,
            temperature: Some(0.2),
        }
    }

    fn plan_for(slug: &str, req: &ChatRequest) -> crate::provider::Plan {
        let spec = crate::provider::parse_slug(slug).unwrap();
        crate::provider::Capabilities::from_name(&spec).plan(
            spec.provider,
            &spec.model,
            req.temperature,
            req.max_tokens,
            None,
            &Default::default(),
        )
    }

    #[test]
    fn request_shape() {
        let req = sample();
        let body = request_body(
            ProviderKind::OpenAi,
            "gpt-4o",
            &req,
            &plan_for("openai/gpt-4o", &req),
        );
        assert_eq!(body["model"], "gpt-4o");
        assert_eq!(
            body["messages"][0],
            json!({"role":"system","content":"You fix bugs."})
        );
        assert_eq!(body["messages"][2]["content"], Value::Null);
        assert_eq!(
            body["messages"][2]["tool_calls"][0]["function"]["arguments"],
            r#"{"path":"a.rs"}"#
        );
        assert_eq!(
            body["messages"][3],
            json!({"role":"tool","tool_call_id":"c1","content":"fn main() {}"})
        );
        assert_eq!(body["tools"][0]["type"], "function");
        assert_eq!(
            body["tools"][0]["function"]["parameters"]["required"][0],
            "path"
        );
        assert_eq!(body["max_completion_tokens"], 1024);
        assert_eq!(body["temperature"], json!(0.2));
        let local = request_body(
            ProviderKind::Ollama,
            "llama3.1:8b",
            &req,
            &plan_for("ollama/llama3.1:8b", &req),
        );
        assert_eq!(local["max_tokens"], 1024);
        assert!(local.get("max_completion_tokens").is_none());
        // A reasoning model: no temperature, room for its reasoning.
        let r = request_body(
            ProviderKind::OpenAi,
            "gpt-5",
            &req,
            &plan_for("openai/gpt-5", &req),
        );
        assert!(r.get("temperature").is_none());
        assert!(r.get("max_tokens").is_none());
        assert!(r["max_completion_tokens"].as_u64().unwrap() > 1024);
    }

    #[test]
    fn usage_with_cached_and_reasoning_tokens_and_absurd_numbers() {
        let json = json!({"choices":[{"message":{"content":"hi"}}],
            "usage":{"prompt_tokens": 1000, "completion_tokens": 300,
                "prompt_tokens_details":{"cached_tokens": 800},
                "completion_tokens_details":{"reasoning_tokens": 256}}});
        let u = parse_completion(&json).unwrap().usage;
        assert_eq!(
            (u.input_tokens, u.cache_read_tokens, u.reasoning_tokens),
            (1000, 800, 256)
        );
        let json = json!({"choices":[{"message":{"content":"hi"}}],
            "usage":{"prompt_tokens": u64::MAX, "completion_tokens": u64::MAX}});
        let u = parse_completion(&json).unwrap().usage;
        assert_eq!(u.input_tokens, crate::provider::TOKEN_CEILING);
    }

    #[test]
    fn parses_tool_calls_raw_and_tolerates_local_quirks() {
        let json = json!({
            "model": "m",
            "choices": [{"message": {"content": null, "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "edit", "arguments": "{not json"}},
                {"function": {"name": "read", "arguments": {"path": "x"}}}
            ]}, "finish_reason": "tool_calls"}]
        });
        let p = parse_completion(&json).unwrap();
        assert_eq!(p.text, "");
        assert_eq!(p.tool_calls[0].arguments, "{not json");
        assert_eq!(p.tool_calls[1].id, "call_1");
        assert_eq!(p.tool_calls[1].arguments, r#"{"path":"x"}"#);
        assert_eq!(p.usage, Usage::default());
        assert_eq!(
            parse_completion(&json!({"choices": []})).err().unwrap(),
            "`choices` is empty"
        );
        assert!(parse_completion(&json!({"id": "x"})).is_err());
    }
}
