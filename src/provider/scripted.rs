//! A scripted model: replays a recorded list of turns in-process. It is what `octagit
//! demo` runs on (labelled DEMO everywhere) and what agent-loop tests drive.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::types::*;
use crate::failure::{FailureClass, classify_http};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ScriptTurn {
    /// An HTTP-style failure, classified like a real provider answer.
    Error { status: u16, body: String },
    /// A normal answer: text and tool calls (arguments as JSON values or raw strings).
    Reply {
        #[serde(default)]
        text: String,
        #[serde(default)]
        tool_calls: Vec<ScriptCall>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScriptCall {
    pub name: String,
    /// A JSON value, or a string that is sent verbatim (to script invalid JSON).
    pub arguments: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct Script {
    turns: Vec<ScriptTurn>,
    pos: Mutex<usize>,
    /// Every request the script was asked to answer, for tests to inspect.
    pub seen: Mutex<Vec<ChatRequest>>,
    /// When the first request arrived: the loop benchmark's time-to-first-request.
    pub first_request_at: std::sync::OnceLock<Instant>,
}

impl Script {
    pub fn new(turns: Vec<ScriptTurn>) -> Self {
        Script {
            turns,
            pos: Mutex::new(0),
            seen: Mutex::new(Vec::new()),
            first_request_at: std::sync::OnceLock::new(),
        }
    }

    /// Load a script from a JSON file: `[{"text": "...", "tool_calls": [...]}, ...]`.
    pub fn load(path: &str) -> Result<Script, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let turns: Vec<ScriptTurn> =
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        Ok(Script::new(turns))
    }

    pub fn requests_seen(&self) -> usize {
        self.seen.lock().map(|s| s.len()).unwrap_or(0)
    }

    pub async fn next(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let started = Instant::now();
        let _ = self.first_request_at.set(started);
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(req.clone());
        }
        let idx = {
            let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
            let i = *pos;
            *pos += 1;
            i
        };
        let Some(turn) = self.turns.get(idx) else {
            return Err(ProviderError {
                class: FailureClass::BadModel,
                status: None,
                message: format!(
                    "scripted model has no turn {} (script has {})",
                    idx + 1,
                    self.turns.len()
                ),
                raw: String::new(),
                rate_limits: RateLimits::default(),
                latency: started.elapsed(),
                param: None,
            });
        };
        match turn {
            ScriptTurn::Error { status, body } => Err(ProviderError {
                param: super::caps::unsupported_param(*status, body),
                class: classify_http(*status, body),
                status: Some(*status),
                message: body.chars().take(300).collect(),
                raw: body.clone(),
                rate_limits: RateLimits::default(),
                latency: started.elapsed(),
            }),
            ScriptTurn::Reply { text, tool_calls } => {
                let tool_calls = tool_calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ToolCall {
                        id: format!("call_{idx}_{i}"),
                        name: c.name.clone(),
                        arguments: match &c.arguments {
                            serde_json::Value::String(s) => s.clone(),
                            v => v.to_string(),
                        },
                    })
                    .collect();
                let input_tokens = (req.system.len()
                    + req.messages.iter().map(|m| m.content.len()).sum::<usize>())
                    as u64
                    / 4;
                Ok(ChatResponse {
                    text: text.clone(),
                    tool_calls,
                    usage: Usage {
                        input_tokens,
                        output_tokens: (text.len() as u64 / 4).max(1),
                        ..Default::default()
                    },
                    rate_limits: RateLimits::default(),
                    status: 200,
                    model: "scripted".into(),
                    stop_reason: Some("end_turn".into()),
                    latency: started.elapsed().max(Duration::from_micros(1)),
                    dropped_params: Vec::new(),
                })
            }
        }
    }
}

pub(crate) fn missing() -> ProviderError {
    ProviderError {
        class: FailureClass::Internal,
        status: None,
        message: "scripted hop without a script".into(),
        raw: String::new(),
        rate_limits: RateLimits::default(),
        latency: Duration::ZERO,
        param: None,
    }
}
