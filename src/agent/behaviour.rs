//! Model behaviour that no tool result can fix: a model that answers in prose, sends only
//! broken tool-call JSON, repeats one call, answers nothing, or is cut at its output limit.
//!
//! Why a watcher of its own: the no-progress counter treats all of these as "no progress
//! for K turns" and the advisor then suggests more turns, which cannot help a model that
//! never calls a tool. Each behaviour here is named, recorded in the run record, abandons
//! the hop early and gets its own next step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::failure::FailureClass;
use crate::provider::ChatResponse;

/// Answers without one valid tool call after which a hop is abandoned.
pub const FIRST_TURNS_WITHOUT_TOOLS: u32 = 3;
/// Identical consecutive turns (same calls, same arguments) that mean the model is stuck.
pub const REPEATS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Answers in text only: the model does not drive tools.
    ProseOnly,
    /// Tool calls that are never valid: arguments that do not parse, unknown tools.
    InvalidToolJson,
    /// The same call with the same arguments, turn after turn.
    RepeatedCall,
    /// No text and no tool call.
    EmptyAnswers,
    /// Every answer stopped at the output-token limit.
    OutputCut,
}

impl Behaviour {
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::ProseOnly => "prose-only",
            Behaviour::InvalidToolJson => "invalid-tool-json",
            Behaviour::RepeatedCall => "repeated-call",
            Behaviour::EmptyAnswers => "empty-answers",
            Behaviour::OutputCut => "output-cut",
        }
    }

    /// The class a run ends with when this behaviour ended it. A model that does not
    /// call tools at all is the wrong model (design.md: "model without tool support");
    /// one that calls them wrongly or in circles hallucinates.
    pub fn class(self) -> FailureClass {
        match self {
            Behaviour::RepeatedCall | Behaviour::InvalidToolJson => FailureClass::Hallucination,
            Behaviour::ProseOnly | Behaviour::EmptyAnswers | Behaviour::OutputCut => {
                FailureClass::BadModel
            }
        }
    }

    /// One line for the trajectory, the handoff and the run record.
    pub fn describe(self, turns: u32) -> String {
        match self {
            Behaviour::ProseOnly => {
                format!("answered {turns} turns in prose and made no tool call")
            }
            Behaviour::InvalidToolJson => format!(
                "made only invalid tool calls for {turns} turns (arguments that are not JSON, or tools that do not exist)"
            ),
            Behaviour::RepeatedCall => {
                format!("repeated the same tool call {turns} turns in a row")
            }
            Behaviour::EmptyAnswers => format!("gave {turns} empty answers"),
            Behaviour::OutputCut => {
                format!("had {turns} answers cut at the output-token limit")
            }
        }
    }
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One model answer, as far as the watcher cares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TurnShape {
    pub has_text: bool,
    pub calls: usize,
    /// Calls to a known tool whose arguments parse as a JSON object.
    pub valid_calls: usize,
    /// The answer stopped at the output limit (`length`, `max_tokens`).
    pub cut: bool,
    /// The turn's calls with their arguments, normalised; `None` without calls.
    pub fingerprint: Option<String>,
}

impl TurnShape {
    pub fn of(resp: &ChatResponse, known_tool: impl Fn(&str) -> bool) -> TurnShape {
        let mut valid_calls = 0;
        let mut parts = Vec::new();
        for c in &resp.tool_calls {
            let args = serde_json::from_str::<serde_json::Value>(&c.arguments).ok();
            if known_tool(&c.name) && args.as_ref().is_some_and(|a| a.is_object()) {
                valid_calls += 1;
            }
            // Parsed and re-serialised, so key order and spacing do not hide a repeat.
            let norm = args.map(|a| a.to_string()).unwrap_or(c.arguments.clone());
            parts.push(format!("{}({norm})", c.name));
        }
        TurnShape {
            has_text: !resp.text.trim().is_empty(),
            calls: resp.tool_calls.len(),
            valid_calls,
            cut: resp
                .stop_reason
                .as_deref()
                .is_some_and(|r| matches!(r, "length" | "max_tokens" | "max_output_tokens")),
            fingerprint: (!parts.is_empty()).then(|| parts.join(" ")),
        }
    }
}

/// Watches the answers of one hop; [`Watch::reset`] when the walker moves on.
#[derive(Debug, Default)]
pub struct Watch {
    turns: Vec<TurnShape>,
    any_valid: bool,
}

impl Watch {
    pub fn reset(&mut self) {
        *self = Watch::default();
    }

    /// Records one answer; returns the behaviour that should end the hop, if any.
    pub fn observe(&mut self, turn: TurnShape) -> Option<Behaviour> {
        self.any_valid |= turn.valid_calls > 0;
        self.turns.push(turn);
        if !self.any_valid && self.turns.len() as u32 >= FIRST_TURNS_WITHOUT_TOOLS {
            return Some(diagnose_no_tools(&self.turns));
        }
        let last: Vec<&TurnShape> = self.turns.iter().rev().take(REPEATS as usize).collect();
        if last.len() as u32 == REPEATS
            && last[0].valid_calls > 0
            && last
                .iter()
                .all(|t| t.fingerprint.is_some() && t.fingerprint == last[0].fingerprint)
        {
            return Some(Behaviour::RepeatedCall);
        }
        None
    }

    pub fn turns(&self) -> u32 {
        self.turns.len() as u32
    }
}

/// Which way a run of answers without a valid tool call went: the most specific shape
/// that holds for most of them wins.
fn diagnose_no_tools(turns: &[TurnShape]) -> Behaviour {
    let n = turns.len();
    let mut count: BTreeMap<Behaviour, usize> = BTreeMap::new();
    for t in turns {
        let b = if t.cut {
            Behaviour::OutputCut
        } else if t.calls > 0 {
            Behaviour::InvalidToolJson
        } else if !t.has_text {
            Behaviour::EmptyAnswers
        } else {
            Behaviour::ProseOnly
        };
        *count.entry(b).or_default() += 1;
    }
    // Attempted calls, however broken, say more than prose around them.
    if count.get(&Behaviour::InvalidToolJson).copied().unwrap_or(0) > 0 {
        return Behaviour::InvalidToolJson;
    }
    count
        .into_iter()
        .filter(|(_, c)| *c * 2 > n)
        .map(|(b, _)| b)
        .next()
        .unwrap_or(Behaviour::ProseOnly)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ToolCall;

    fn resp(text: &str, calls: &[(&str, &str)], stop: &str) -> ChatResponse {
        ChatResponse {
            text: text.into(),
            tool_calls: calls
                .iter()
                .enumerate()
                .map(|(i, (n, a))| ToolCall {
                    id: format!("c{i}"),
                    name: (*n).into(),
                    arguments: (*a).into(),
                })
                .collect(),
            usage: Default::default(),
            rate_limits: Default::default(),
            status: 200,
            model: "m".into(),
            stop_reason: Some(stop.into()),
            dropped_params: Vec::new(),
            latency: std::time::Duration::ZERO,
        }
    }

    fn known(n: &str) -> bool {
        matches!(n, "read_file" | "finish")
    }

    fn run(answers: &[ChatResponse]) -> Option<Behaviour> {
        let mut w = Watch::default();
        answers
            .iter()
            .find_map(|a| w.observe(TurnShape::of(a, known)))
    }

    #[test]
    fn each_shape_is_named() {
        let prose = resp("I think the bug is in utils.py.", &[], "stop");
        assert_eq!(
            run(&[prose.clone(), prose.clone(), prose]),
            Some(Behaviour::ProseOnly)
        );

        let bad = resp("", &[("read_file", "{path: utils.py")], "tool_calls");
        let prose = resp("Let me look.", &[], "stop");
        assert_eq!(
            run(&[prose.clone(), bad, prose]),
            Some(Behaviour::InvalidToolJson)
        );

        let empty = resp("", &[], "stop");
        assert_eq!(
            run(&[empty.clone(), empty.clone(), empty]),
            Some(Behaviour::EmptyAnswers)
        );

        let cut = resp("I will now call read_file with", &[], "length");
        assert_eq!(
            run(&[cut.clone(), cut.clone(), cut]),
            Some(Behaviour::OutputCut)
        );

        let read = resp("", &[("read_file", r#"{"path":"a.py"}"#)], "tool_calls");
        let same = resp("", &[("read_file", r#"{ "path": "a.py" }"#)], "tool_calls");
        assert_eq!(
            run(&[read.clone(), same, read]),
            Some(Behaviour::RepeatedCall)
        );
    }

    #[test]
    fn a_working_model_is_left_alone() {
        let a = resp("", &[("read_file", r#"{"path":"a.py"}"#)], "tool_calls");
        let b = resp("", &[("read_file", r#"{"path":"b.py"}"#)], "tool_calls");
        let prose = resp("Thinking.", &[], "stop");
        // One valid call early on: later prose is the no-progress counter's business.
        assert_eq!(
            run(&[a.clone(), prose.clone(), prose.clone(), prose, b.clone(), a]),
            None
        );
        // An unknown tool is a hallucination signal elsewhere, not a valid call here.
        let unknown = resp("", &[("run_shell", r#"{"cmd":"ls"}"#)], "tool_calls");
        assert_eq!(
            run(&[unknown.clone(), unknown.clone(), unknown]),
            Some(Behaviour::InvalidToolJson)
        );
        // Two turns of prose are not yet a verdict.
        let prose = resp("Thinking.", &[], "stop");
        assert_eq!(run(&[prose.clone(), prose]), None);
    }

    #[test]
    fn reset_starts_a_new_hop() {
        let mut w = Watch::default();
        let prose = resp("Hello.", &[], "stop");
        w.observe(TurnShape::of(&prose, known));
        w.observe(TurnShape::of(&prose, known));
        w.reset();
        assert_eq!(w.observe(TurnShape::of(&prose, known)), None);
        assert_eq!(w.turns(), 1);
    }
}
