//! The Anthropic Messages wire format.
//!
//! Request: `POST {base}/v1/messages` with headers `x-api-key` and
//! `anthropic-version: 2023-06-01`; `system` is a top-level field; an assistant turn is
//! a list of `text` and `tool_use` blocks; tool results travel as `tool_result` blocks in
//! the next `user` message; tools are `{name, description, input_schema}`. Answer:
//! `content` blocks, `stop_reason`, `usage.{input_tokens, output_tokens}`.

use serde_json::{Map, Value, json};

use super::{
    ChatRequest, ChatResponse, ModelClient, ProviderError, Role, ToolCall, Usage, WireAnswer,
};

pub const API_VERSION: &str = "2023-06-01";

/// Anthropic requires `max_tokens`; this is used when the request leaves it at 0.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// `{base}/v1/<path>`, whether or not the configured base already ends in `/v1`.
pub fn url(base_url: &str, path: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let base = base.strip_suffix("/v1").unwrap_or(base);
    format!("{base}/v1/{path}")
}

/// Messages in Anthropic's shape. Consecutive turns of one role are merged into one
/// message of several blocks: the API wants every `tool_result` of an assistant turn in
/// the single user message that follows it.
fn messages(req: &ChatRequest) -> Vec<Value> {
    let mut out: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let (role, blocks): (&'static str, Vec<Value>) = match m.role {
            Role::User => ("user", text_block(&m.content)),
            Role::Assistant => {
                let mut blocks = text_block(&m.content);
                for c in &m.tool_calls {
                    // `input` must be an object. Arguments that were not valid JSON were
                    // already reported to the model in the tool result; `{}` keeps the
                    // transcript acceptable to the API.
                    let input = serde_json::from_str::<Value>(&c.arguments)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({}));
                    blocks.push(
                        json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}),
                    );
                }
                ("assistant", blocks)
            }
            Role::Tool => (
                "user",
                vec![json!({
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id.clone().unwrap_or_default(),
                    "content": m.content,
                })],
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((last_role, last_blocks)) if *last_role == role => last_blocks.extend(blocks),
            _ => out.push((role, blocks)),
        }
    }
    out.into_iter()
        .map(|(role, blocks)| {
            // A lone text block is sent as a plain string: the common, compact form.
            if blocks.len() == 1 && blocks[0]["type"] == "text" {
                json!({"role": role, "content": blocks[0]["text"]})
            } else {
                json!({"role": role, "content": blocks})
            }
        })
        .collect()
}

/// Anthropic rejects empty text blocks, so empty text is no block at all.
fn text_block(text: &str) -> Vec<Value> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "text", "text": text})]
    }
}

fn tools(req: &ChatRequest) -> Vec<Value> {
    req.tools
        .iter()
        .map(
            |t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}),
        )
        .collect()
}

/// The prompt-cache breakpoint Anthropic documents for prompt caching (5-minute TTL).
fn ephemeral() -> Value {
    json!({"type": "ephemeral"})
}

/// Mark the first user message (the issue and the repo map, identical on every turn of a
/// run) as a cache breakpoint: turn it into blocks and tag the last one.
fn cache_first_user(messages: &mut [Value]) {
    let Some(first) = messages.first_mut() else {
        return;
    };
    if first["role"] != "user" {
        return;
    }
    let content = first["content"].take();
    let mut blocks = match content {
        Value::String(text) => vec![json!({"type": "text", "text": text})],
        Value::Array(blocks) => blocks,
        other => vec![other],
    };
    if let Some(Value::Object(last)) = blocks.last_mut() {
        last.insert("cache_control".into(), ephemeral());
    }
    first["content"] = Value::Array(blocks);
}

/// The JSON body of `POST /v1/messages`, with the parameters of `plan`. With prompt
/// caching, the system prompt, the tools and the first message carry `cache_control`
/// (three of the four breakpoints Anthropic allows): every later turn reads them from
/// the cache at a tenth of the input price.
pub fn request_body(model: &str, req: &ChatRequest, plan: &super::Plan) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    let max = plan
        .max_tokens
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_MAX_TOKENS);
    body.insert("max_tokens".into(), max.into());
    if !req.system.is_empty() {
        if plan.cache_control {
            body.insert(
                "system".into(),
                json!([{"type": "text", "text": req.system, "cache_control": ephemeral()}]),
            );
        } else {
            body.insert("system".into(), req.system.clone().into());
        }
    }
    let mut msgs = messages(req);
    if plan.cache_control {
        cache_first_user(&mut msgs);
    }
    body.insert("messages".into(), msgs.into());
    if !req.tools.is_empty() {
        let mut tools = tools(req);
        if plan.cache_control
            && let Some(Value::Object(last)) = tools.last_mut()
        {
            last.insert("cache_control".into(), ephemeral());
        }
        body.insert("tools".into(), tools.into());
    }
    if let Some(t) = plan.temperature {
        body.insert(
            "temperature".into(),
            json!((f64::from(t) * 1000.0).round() / 1000.0),
        );
    }
    Value::Object(body)
}

/// The JSON body of `POST /v1/messages/count_tokens`: the request without `max_tokens`.
pub fn count_tokens_body(model: &str, req: &ChatRequest) -> Value {
    let plan = super::Plan {
        temperature: None,
        max_tokens_key: "max_tokens",
        max_tokens: None,
        reasoning_effort: None,
        cache_control: false,
    };
    let mut body = request_body(model, req, &plan);
    if let Some(o) = body.as_object_mut() {
        o.remove("max_tokens");
        o.remove("temperature");
    }
    body
}

pub(crate) fn parse_message(json: &Value) -> Result<super::types::ParsedAnswer, String> {
    let content = json
        .get("content")
        .and_then(Value::as_array)
        .ok_or("no `content` array in the answer")?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in content {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => {
                let id = block
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or("a tool_use block has no `id`")?;
                let name = block
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("a tool_use block has no `name`")?;
                let input = block.get("input").cloned().unwrap_or_else(|| json!({}));
                tool_calls.push(ToolCall {
                    id: id.to_string(),
                    name: name.to_string(),
                    arguments: input.to_string(),
                });
            }
            // thinking, redacted_thinking, server tool blocks: not part of the answer.
            _ => {}
        }
    }
    let usage = json.get("usage");
    let count = |k: &str| super::types::token_count(usage.and_then(|u| u.get(k)));
    let (fresh, written, read) = (
        count("input_tokens"),
        count("cache_creation_input_tokens"),
        count("cache_read_input_tokens"),
    );
    Ok(super::types::ParsedAnswer {
        text,
        tool_calls,
        usage: Usage {
            // Cached prompt tokens are still prompt tokens: the audit's context-fit and
            // cost maths need the whole input. (Each is clamped, so the sum cannot overflow.)
            input_tokens: fresh + written + read,
            output_tokens: count("output_tokens"),
            cache_read_tokens: read,
            cache_write_tokens: written,
            reasoning_tokens: 0,
        },
        model: json
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
        stop_reason: json
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn post(client: &ModelClient, url: &str, body: &Value) -> reqwest::RequestBuilder {
    let mut rb = client
        .http()
        .post(url)
        .header("anthropic-version", API_VERSION)
        .json(body);
    if let Some(key) = client.key() {
        rb = rb.header("x-api-key", key.expose());
    }
    rb
}

pub async fn chat(
    client: &ModelClient,
    req: &ChatRequest,
    plan: &super::Plan,
) -> Result<ChatResponse, ProviderError> {
    let url = url(&client.base_url, "messages");
    let body = request_body(&client.spec.model, req, plan);
    let answer = super::send(post(client, &url, &body), client.timeout, &url).await?;
    let json = read_json(&answer)?;
    let parsed = parse_message(&json).map_err(|what| super::malformed(&answer, &what))?;
    Ok(parsed.into_response(answer, &client.spec.model))
}

/// Exact input tokens of `req` from `POST /v1/messages/count_tokens`.
pub async fn count_tokens(client: &ModelClient, req: &ChatRequest) -> Result<u64, ProviderError> {
    let url = url(&client.base_url, "messages/count_tokens");
    let body = count_tokens_body(&client.spec.model, req);
    let answer = super::send(post(client, &url, &body), client.timeout, &url).await?;
    let json = read_json(&answer)?;
    json.get("input_tokens")
        .and_then(Value::as_u64)
        .ok_or_else(|| super::malformed(&answer, "no `input_tokens` in the count_tokens answer"))
}

/// Status check, JSON parse, and the error-inside-a-2xx check shared by both endpoints.
// ProviderError is the shared contract type (its RateLimits snapshot makes it large);
// it is returned once per model call, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn read_json(answer: &WireAnswer) -> Result<Value, ProviderError> {
    if !(200..300).contains(&answer.status) {
        return Err(super::http_error(answer));
    }
    let json: Value = serde_json::from_str(&answer.body).map_err(|e| {
        let head: String = answer.body.chars().take(60).collect();
        super::malformed(answer, &format!("{e} (body starts {head:?})"))
    })?;
    if let Some(err) = super::embedded_error(answer, &json) {
        return Err(err);
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Message, ToolSpec};

    #[test]
    fn urls_with_or_without_v1() {
        assert_eq!(
            url("https://api.anthropic.com", "messages"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(url("http://h:1/v1/", "messages"), "http://h:1/v1/messages");
    }

    #[test]
    fn tool_results_merge_into_one_user_message() {
        let req = ChatRequest {
            system: "sys".into(),
            messages: vec![
                Message::user("go"),
                Message::assistant(
                    "Reading both.",
                    vec![
                        ToolCall {
                            id: "t1".into(),
                            name: "read".into(),
                            arguments: r#"{"path":"a"}"#.into(),
                        },
                        ToolCall {
                            id: "t2".into(),
                            name: "read".into(),
                            arguments: "{broken".into(),
                        },
                    ],
                ),
                Message::tool_result("t1", "A"),
                Message::tool_result("t2", "invalid JSON arguments"),
                Message::user("and?"),
            ],
            tools: vec![ToolSpec {
                name: "read".into(),
                description: "d".into(),
                parameters: json!({"type":"object"}),
            }],
            max_tokens: 0,
            temperature: None,
        };
        let plain = crate::provider::Plan {
            temperature: None,
            max_tokens_key: "max_tokens",
            max_tokens: None,
            reasoning_effort: None,
            cache_control: false,
        };
        let body = request_body("claude-x", &req, &plain);
        assert_eq!(body["system"], "sys");
        assert_eq!(body["max_tokens"], DEFAULT_MAX_TOKENS);
        let msgs = body["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0], json!({"role":"user","content":"go"}));
        assert_eq!(msgs[1]["content"][1]["input"], json!({"path":"a"}));
        assert_eq!(msgs[1]["content"][2]["input"], json!({}));
        let user = msgs[2]["content"].as_array().unwrap();
        assert_eq!(user.len(), 3);
        assert_eq!(user[0]["type"], "tool_result");
        assert_eq!(user[1]["tool_use_id"], "t2");
        assert_eq!(user[2], json!({"type":"text","text":"and?"}));
        assert_eq!(body["tools"][0]["input_schema"], json!({"type":"object"}));
        assert!(
            count_tokens_body("claude-x", &req)
                .get("max_tokens")
                .is_none()
        );
        // With prompt caching: system, last tool and the first message are breakpoints.
        let cached = crate::provider::Plan {
            cache_control: true,
            ..plain
        };
        let body = request_body("claude-x", &req, &cached);
        assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(body["tools"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(body["messages"][0]["content"][0]["text"], "go");
        assert_eq!(
            body["messages"][0]["content"][0]["cache_control"]["type"],
            "ephemeral"
        );
        assert!(
            body["messages"][2]["content"][0]
                .get("cache_control")
                .is_none()
        );
    }

    #[test]
    fn parses_blocks_and_cache_usage() {
        let json = json!({
            "model": "claude-x",
            "content": [
                {"type": "thinking", "thinking": "hm"},
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a"}}
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 90, "output_tokens": 7}
        });
        let p = parse_message(&json).unwrap();
        assert_eq!(p.text, "Let me look.");
        assert_eq!(p.tool_calls[0].arguments, r#"{"path":"a"}"#);
        assert_eq!(
            p.usage,
            Usage {
                input_tokens: 100,
                output_tokens: 7,
                cache_read_tokens: 90,
                ..Default::default()
            }
        );
        assert_eq!(p.stop_reason.as_deref(), Some("tool_use"));
        assert!(parse_message(&json!({"type": "message"})).is_err());
    }
}
