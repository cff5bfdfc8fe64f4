//! OpenAI's Responses API wire format, for the models served only there (`gpt-5-codex`,
//! the `-pro` models).
//!
//! Request: `POST {base}/responses` with `instructions` (the system prompt), `input` items
//! (`{role, content}` messages, `function_call` items for the assistant's calls,
//! `function_call_output` items for their results), `tools: [{type: function, name,
//! description, parameters}]` (flat, unlike chat completions), `max_output_tokens`,
//! `reasoning: {effort}` and `store: false` (the run keeps its own transcript). Answer:
//! `output` items (`message` with `output_text` parts, `function_call` with `call_id`,
//! `reasoning`), `status`, `usage.{input_tokens, input_tokens_details.cached_tokens,
//! output_tokens, output_tokens_details.reasoning_tokens}`. Rate-limit headers are
//! OpenAI's `x-ratelimit-*`, as on chat completions.

use serde_json::{Map, Value, json};

use super::{ChatRequest, ChatResponse, ModelClient, ProviderError, Role, ToolCall, Usage};

/// `{base}/responses`.
pub fn url(base_url: &str) -> String {
    format!("{}/responses", base_url.trim_end_matches('/'))
}

fn input(req: &ChatRequest) -> Vec<Value> {
    let mut items = Vec::with_capacity(req.messages.len());
    for m in &req.messages {
        match m.role {
            Role::User => items.push(json!({"role": "user", "content": m.content})),
            Role::Assistant => {
                if !m.content.is_empty() {
                    items.push(json!({"role": "assistant", "content": m.content}));
                }
                for c in &m.tool_calls {
                    items.push(json!({
                        "type": "function_call",
                        "call_id": c.id,
                        "name": c.name,
                        "arguments": c.arguments,
                    }));
                }
            }
            Role::Tool => items.push(json!({
                "type": "function_call_output",
                "call_id": m.tool_call_id.clone().unwrap_or_default(),
                "output": m.content,
            })),
        }
    }
    items
}

/// The JSON body of `POST /v1/responses`.
pub fn request_body(model: &str, req: &ChatRequest, plan: &super::Plan) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    if !req.system.is_empty() {
        body.insert("instructions".into(), req.system.clone().into());
    }
    body.insert("input".into(), input(req).into());
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters})
            })
            .collect();
        body.insert("tools".into(), tools.into());
    }
    if let Some(n) = plan.max_tokens {
        body.insert(plan.max_tokens_key.into(), n.into());
    }
    if let Some(e) = &plan.reasoning_effort {
        body.insert("reasoning".into(), json!({"effort": e}));
    }
    if let Some(t) = plan.temperature {
        body.insert(
            "temperature".into(),
            json!((f64::from(t) * 1000.0).round() / 1000.0),
        );
    }
    body.insert("store".into(), false.into());
    Value::Object(body)
}

pub(crate) fn parse_response(json: &Value) -> Result<super::types::ParsedAnswer, String> {
    let output = json
        .get("output")
        .and_then(Value::as_array)
        .ok_or("no `output` array in the answer")?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for (i, item) in output.iter().enumerate() {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                for part in item
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if part.get("type").and_then(Value::as_str) == Some("output_text") {
                        text.push_str(part.get("text").and_then(Value::as_str).unwrap_or(""));
                    }
                }
            }
            Some("function_call") => {
                let name = item
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("a function_call item has no `name`")?;
                // `call_id` pairs the call with its `function_call_output`; `id` is the
                // item's own id and is not accepted there.
                let id = item
                    .get("call_id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("call_{i}"));
                let arguments = match item.get("arguments") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                };
                tool_calls.push(ToolCall {
                    id,
                    name: name.to_string(),
                    arguments,
                });
            }
            // reasoning summaries, web search calls, ...: not part of the answer.
            _ => {}
        }
    }
    let usage = json.get("usage");
    let count = |k: &str| super::types::token_count(usage.and_then(|u| u.pointer(k)));
    let input_tokens = count("/input_tokens");
    let stop_reason = json
        .pointer("/incomplete_details/reason")
        .and_then(Value::as_str)
        .or_else(|| json.get("status").and_then(Value::as_str))
        .map(str::to_string);
    Ok(super::types::ParsedAnswer {
        text,
        tool_calls,
        usage: Usage {
            input_tokens,
            output_tokens: count("/output_tokens"),
            cache_read_tokens: count("/input_tokens_details/cached_tokens").min(input_tokens),
            cache_write_tokens: 0,
            reasoning_tokens: count("/output_tokens_details/reasoning_tokens"),
        },
        model: json
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
        stop_reason,
    })
}

pub async fn chat(
    client: &ModelClient,
    req: &ChatRequest,
    plan: &super::Plan,
) -> Result<ChatResponse, ProviderError> {
    let url = url(&client.base_url);
    let body = request_body(&client.spec.model, req, plan);
    let rb = super::openai::with_headers(client.http().post(&url), client.provider(), client.key())
        .json(&body);
    let answer = super::send(rb, client.timeout, &url).await?;
    if !(200..300).contains(&answer.status) {
        return Err(super::http_error(&answer));
    }
    let json: Value = serde_json::from_str(&answer.body).map_err(|e| {
        let head: String = answer.body.chars().take(60).collect();
        super::malformed(&answer, &format!("{e} (body starts {head:?})"))
    })?;
    // A `failed` response carries `error: {code, message}` (e.g. `server_error`).
    if json.get("error").is_some_and(|e| !e.is_null())
        && let Some(err) = super::embedded_error(&answer, &json)
    {
        return Err(err);
    }
    let parsed = parse_response(&json).map_err(|what| super::malformed(&answer, &what))?;
    Ok(parsed.into_response(answer, &client.spec.model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Message, Plan, ToolSpec};

    #[test]
    fn request_items_pair_calls_with_outputs() {
        let req = ChatRequest {
            system: "sys".into(),
            messages: vec![
                Message::user("fix it"),
                Message::assistant(
                    "Reading.",
                    vec![ToolCall {
                        id: "call_1".into(),
                        name: "read_file".into(),
                        arguments: r#"{"path":"a.py"}"#.into(),
                    }],
                ),
                Message::tool_result("call_1", "def f(): pass"),
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "Read".into(),
                parameters: json!({"type": "object"}),
            }],
            max_tokens: 100,
            temperature: Some(0.0),
        };
        let plan = Plan {
            temperature: None,
            max_tokens_key: "max_output_tokens",
            max_tokens: Some(16_484),
            reasoning_effort: Some("low".into()),
            cache_control: false,
        };
        let b = request_body("gpt-5-codex", &req, &plan);
        assert_eq!(b["instructions"], "sys");
        assert_eq!(b["input"][0], json!({"role": "user", "content": "fix it"}));
        assert_eq!(b["input"][2]["type"], "function_call");
        assert_eq!(b["input"][3]["type"], "function_call_output");
        assert_eq!(b["input"][3]["call_id"], "call_1");
        assert_eq!(b["tools"][0]["name"], "read_file");
        assert_eq!(b["max_output_tokens"], 16_484);
        assert_eq!(b["reasoning"]["effort"], "low");
        assert!(b.get("temperature").is_none());
        assert_eq!(b["store"], false);
    }

    #[test]
    fn parses_output_items_and_usage() {
        let j = json!({
            "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5-codex",
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": []},
                {"type": "message", "id": "msg_1", "role": "assistant",
                 "content": [{"type": "output_text", "text": "Looking.", "annotations": []}]},
                {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "read_file",
                 "arguments": "{\"path\":\"a.py\"}", "status": "completed"}
            ],
            "usage": {"input_tokens": 500, "input_tokens_details": {"cached_tokens": 400},
                      "output_tokens": 90, "output_tokens_details": {"reasoning_tokens": 64},
                      "total_tokens": 590}
        });
        let p = parse_response(&j).unwrap();
        assert_eq!(p.text, "Looking.");
        assert_eq!(p.tool_calls[0].id, "call_9");
        assert_eq!(p.usage.cache_read_tokens, 400);
        assert_eq!(p.usage.reasoning_tokens, 64);
        assert_eq!(p.stop_reason.as_deref(), Some("completed"));
        assert!(parse_response(&json!({"id": "x"})).is_err());
    }
}
