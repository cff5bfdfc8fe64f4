//! The agent loop: model turn → tool calls → results, until `finish` passes the gate or a
//! limit ends the run. Every model call goes through the chain walker.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::agent::behaviour::{Behaviour, TurnShape, Watch};
use crate::agent::prompt;
use crate::agent::tools::{Fatal, Signal, TOOL_NAMES, ToolOutcome, Tools};
use crate::agent::trajectory::Trajectory;
use crate::chain::{ChainExhausted, ChainWalker};
use crate::failure::FailureClass;
use crate::gate;
use crate::index::ContextGraph;
use crate::provider::{ChatRequest, Message, Role, ToolCall};
use crate::run_record::{BehaviourFinding, Handoff, RunRecord, TestRun};

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_turns: u32,
    pub max_cost_usd: f64,
    pub deadline: Instant,
    /// Hallucination signals on one hop before the walker moves on.
    pub hallucination_threshold: u32,
    /// Turns without progress that count as one hallucination signal.
    pub no_progress_turns: u32,
    pub test_timeout: Duration,
}

/// Why the loop stopped.
#[derive(Debug)]
pub enum LoopEnd {
    /// `finish` was called and the gate accepted the work.
    Finished {
        summary: String,
    },
    /// Turns, cost or wall clock ran out.
    Limit {
        what: String,
    },
    Exhausted(ChainExhausted),
    /// The last hop was abandoned for hallucinating.
    Hallucination {
        detail: String,
    },
    /// The last hop was abandoned for how its model behaved (prose only, broken calls...).
    Stuck {
        behaviour: Behaviour,
        detail: String,
    },
    Cancelled,
    /// A tool hit a fault of the run itself (the checkout vanished, the disk is full).
    Broken {
        detail: String,
    },
}

impl LoopEnd {
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            LoopEnd::Finished { .. } => None,
            LoopEnd::Limit { .. } => Some(FailureClass::Limit),
            LoopEnd::Exhausted(e) => Some(e.class),
            LoopEnd::Hallucination { .. } => Some(FailureClass::Hallucination),
            LoopEnd::Stuck { behaviour, .. } => Some(behaviour.class()),
            LoopEnd::Cancelled => Some(FailureClass::Cancelled),
            LoopEnd::Broken { .. } => Some(FailureClass::Internal),
        }
    }
}

/// What the loop needs from the gate.
pub struct GateSpec {
    pub command: Option<String>,
    pub baseline: Option<TestRun>,
}

pub struct AgentLoop<'a> {
    pub walker: &'a mut ChainWalker,
    pub tools: &'a mut Tools,
    pub trajectory: &'a mut Trajectory,
    /// `None` when the index could not be built: the loop still runs, without the map.
    pub graph: Option<&'a mut ContextGraph>,
    pub record: &'a mut RunRecord,
    pub dir: &'a Path,
    pub repo: &'a Path,
    pub limits: Limits,
    pub gate: GateSpec,
    pub cancel: Arc<AtomicBool>,
}

pub(crate) const MAX_OUTPUT_TOKENS: u32 = 4096;
/// Used when the audit could not tell a hop's window.
const DEFAULT_WINDOW: u64 = 128_000;
/// Keep the conversation under this share of the window.
const CONTEXT_SHARE: f64 = 0.7;
/// The most recent messages are never shortened.
const KEEP_RECENT: usize = 6;

impl AgentLoop<'_> {
    pub async fn run(&mut self, system: String, first_user: String) -> LoopEnd {
        let specs = crate::agent::tools::specs();
        let mut messages = vec![Message::user(first_user.clone())];
        let mut signals_on_hop = 0u32;
        let mut turns_without_progress = 0u32;
        let mut seen_files: BTreeSet<String> = BTreeSet::new();
        let mut last_tests: Option<TestRun> = None;
        let mut last_hop = self.walker.current_index();
        let mut watch = Watch::default();

        loop {
            if self.cancel.load(Ordering::Relaxed) {
                let _ = self
                    .trajectory
                    .note(self.record.turns, "cancelled by the client");
                return LoopEnd::Cancelled;
            }
            if self.record.turns >= self.limits.max_turns {
                return LoopEnd::Limit {
                    what: format!("max turns ({}) reached", self.limits.max_turns),
                };
            }
            if self.record.cost_usd >= self.limits.max_cost_usd && self.limits.max_cost_usd > 0.0 {
                return LoopEnd::Limit {
                    what: format!(
                        "max cost (${:.2}) reached at ${:.4}",
                        self.limits.max_cost_usd, self.record.cost_usd
                    ),
                };
            }
            if Instant::now() >= self.limits.deadline {
                return LoopEnd::Limit {
                    what: "wall-clock limit reached".into(),
                };
            }

            let window = self
                .walker
                .current()
                .and_then(|h| h.context_window)
                .unwrap_or(DEFAULT_WINDOW);
            self.fit_context(&system, &mut messages, window);

            let req = ChatRequest {
                system: system.clone(),
                messages: messages.clone(),
                tools: specs.clone(),
                max_tokens: MAX_OUTPUT_TOKENS,
                temperature: Some(0.0),
            };
            let answer = self.walker.call(&req).await;
            self.record.hops = self.walker.attempts().to_vec();
            let answer = match answer {
                Ok(a) => a,
                Err(e) => return LoopEnd::Exhausted(e),
            };
            self.record.turns += 1;
            let turn = self.record.turns;
            self.record.tokens_in += answer.response.usage.input_tokens;
            self.record.tokens_out += answer.response.usage.output_tokens;
            self.record.cost_usd += answer.cost_usd;
            if last_hop != Some(answer.hop) {
                // The walker moved on after a provider failure: the conversation carries
                // over as is (it is wire-neutral), and the count of signals restarts.
                signals_on_hop = 0;
                watch.reset();
                last_hop = Some(answer.hop);
            }
            let model = self.walker.hops()[answer.hop].slug().to_string();
            let response = answer.response;
            let stuck = watch.observe(TurnShape::of(&response, |n| TOOL_NAMES.contains(&n)));
            let _ = self.trajectory.model(
                turn,
                answer.hop,
                &model,
                &response.text,
                &response.tool_calls,
            );
            messages.push(Message::assistant(
                response.text.clone(),
                response.tool_calls.clone(),
            ));

            if response.tool_calls.is_empty() {
                turns_without_progress += 1;
                messages.push(Message::user(
                    "Use the tools to inspect and change the repository; call `finish` when the fix is done.",
                ));
            }

            let mut progressed = false;
            let mut graph_changed = false;
            let mut finished: Option<String> = None;
            for call in &response.tool_calls {
                let _ = self.trajectory.tool_call(turn, call);
                let mut outcome = match self.tools.try_call(call).await {
                    Ok(outcome) => outcome,
                    Err(fatal) => {
                        let _ = self.trajectory.note(
                            turn,
                            &format!("`{}` stopped the run: {fatal}", call.name.trim()),
                        );
                        let _ = self.record.write(self.dir);
                        return match fatal {
                            Fatal::Cancelled => LoopEnd::Cancelled,
                            other => LoopEnd::Broken {
                                detail: other.to_string(),
                            },
                        };
                    }
                };
                if let Some(t) = &outcome.test_run {
                    if last_tests
                        .as_ref()
                        .map(|l| l.failed_tests != t.failed_tests || l.success != t.success)
                        .unwrap_or(true)
                    {
                        progressed = true;
                    }
                    last_tests = Some(t.clone());
                }
                if let Some(path) = &outcome.explored
                    && seen_files.insert(path.clone())
                {
                    progressed = true;
                    self.record.files_explored.push(path.clone());
                    if let Some(g) = self.graph.as_deref_mut() {
                        g.mark_explored(path);
                        graph_changed = true;
                    }
                }
                if let Some(path) = &outcome.edited {
                    progressed = true;
                    if !self.record.files_edited.contains(path) {
                        self.record.files_edited.push(path.clone());
                        if let Some(g) = self.graph.as_deref_mut() {
                            g.mark_edited(path);
                            graph_changed = true;
                        }
                    }
                }
                if let Some(summary) = outcome.finished.clone() {
                    match self.check_finish(&summary).await {
                        Ok(after) => {
                            self.record.gate.after = Some(after);
                            finished = Some(summary);
                        }
                        Err((text, after)) => {
                            if let Some(a) = after {
                                self.record.gate.after = Some(a.clone());
                                last_tests = Some(a);
                            }
                            outcome = ToolOutcome::refusal(text, Signal::FalseFinish);
                        }
                    }
                }
                if outcome.signal.is_some_and(|s| s.is_hallucination()) {
                    signals_on_hop += 1;
                }
                let _ = self.trajectory.tool_result(turn, call, &outcome);
                messages.push(Message::tool_result(
                    call.id.clone(),
                    outcome.content.clone(),
                ));
                if finished.is_some() {
                    break;
                }
            }
            // A `finish` ends the turn: every later call still needs a result on the wire.
            let skipped: Vec<String> = unanswered(&response.tool_calls, &messages)
                .into_iter()
                .map(|c| c.id.clone())
                .collect();
            for id in skipped {
                messages.push(Message::tool_result(id, "skipped: the run finished"));
            }
            // Written as the agent goes, so a run that dies mid-way still leaves the map of
            // what was reached; only when it changed, since it grows with the repository.
            if graph_changed && let Some(g) = self.graph.as_deref() {
                let _ = g.write(&self.dir.join("context-graph.json"));
            }
            let _ = self.record.write(self.dir);

            if let Some(summary) = finished {
                return LoopEnd::Finished { summary };
            }
            if progressed {
                turns_without_progress = 0;
            } else if !response.tool_calls.is_empty() {
                turns_without_progress += 1;
            }
            if turns_without_progress >= self.limits.no_progress_turns {
                signals_on_hop += 1;
                turns_without_progress = 0;
                let _ = self.trajectory.note(
                    turn,
                    &format!("no progress for {} turns", self.limits.no_progress_turns),
                );
            }
            let abandon = match stuck {
                Some(b) => {
                    let detail = b.describe(watch.turns());
                    let _ = self.trajectory.note(turn, &format!("{model} {detail}"));
                    self.record.behaviour.push(BehaviourFinding {
                        hop: answer.hop,
                        model: model.clone(),
                        behaviour: b,
                        turns: watch.turns(),
                        detail: detail.clone(),
                    });
                    Some((detail, Some(b)))
                }
                None if signals_on_hop >= self.limits.hallucination_threshold => {
                    Some((format!("{signals_on_hop} hallucination signals"), None))
                }
                None => None,
            };
            if let Some((reason, behaviour)) = abandon {
                let progress = self.progress_summary(&last_tests, &messages);
                match self.walker.abandon_current() {
                    Some((from, to)) => {
                        let hop = self.walker.current_index().unwrap_or_default();
                        let _ = self.trajectory.handoff(
                            turn,
                            hop,
                            &from,
                            &to,
                            &format!("{reason}\n{progress}"),
                        );
                        self.record.handoffs.push(Handoff {
                            from: from.clone(),
                            to,
                            reason: reason.clone(),
                            summary: progress.clone(),
                            at_turn: turn,
                        });
                        messages = vec![Message::user(format!(
                            "{first_user}\n\n{}",
                            prompt::handoff(&from, &reason, &progress)
                        ))];
                        signals_on_hop = 0;
                        watch.reset();
                        last_hop = self.walker.current_index();
                    }
                    None => {
                        let detail = format!("{model} {reason} and no other model was left");
                        return match behaviour {
                            Some(behaviour) => LoopEnd::Stuck { behaviour, detail },
                            None => LoopEnd::Hallucination {
                                detail: format!(
                                    "{model} was stopped after {reason} and no other model was left"
                                ),
                            },
                        };
                    }
                }
            }
        }
    }

    /// Run the gate for a `finish` call. Ok holds the passing run; Err the text sent back
    /// to the model (and the run, when tests ran).
    async fn check_finish(&mut self, _summary: &str) -> Result<TestRun, (String, Option<TestRun>)> {
        if self.record.files_edited.is_empty() {
            return Err((
                "finish refused: you have not changed any file. Make the fix with edit_file or write_file first.".into(),
                None,
            ));
        }
        let Some(cmd) = self.gate.command.clone() else {
            return Ok(TestRun {
                success: true,
                output_tail: "no test command: not verified".into(),
                ..Default::default()
            });
        };
        let (after, v) = gate::run_after(
            &mut self.record.gate,
            self.repo,
            &cmd,
            self.limits.test_timeout,
            self.gate.baseline.as_ref(),
        )
        .await;
        let (ok, why) = (v.passed, v.why.clone());
        let checks = gate::feedback(&v);
        if ok {
            Ok(after)
        } else {
            let failing = if after.failed_tests.is_empty() {
                String::new()
            } else {
                format!(
                    " Failing: {}.",
                    after
                        .failed_tests
                        .iter()
                        .take(10)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let tail: String = after
                .output_tail
                .chars()
                .rev()
                .take(1500)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Err((
                format!(
                    "finish refused: the tests do not pass ({why}){failing}\nFailed checks against the run before your edits:\n{checks}End of the test output:\n{tail}"
                ),
                Some(after),
            ))
        }
    }

    /// A compact summary of what was done so far, for the next hop.
    fn progress_summary(&self, last_tests: &Option<TestRun>, messages: &[Message]) -> String {
        let mut s = String::new();
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        s.push_str(&format!(
            "- Files read: {}\n",
            list(&self.record.files_explored)
        ));
        s.push_str(&format!(
            "- Files edited: {}\n",
            list(&self.record.files_edited)
        ));
        if let Some(t) = last_tests {
            s.push_str(&format!(
                "- Last test run: {}{}\n",
                if t.success { "passed" } else { "failed" },
                if t.failed_tests.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", t.failed_tests.join(", "))
                }
            ));
        }
        if let Some(note) = messages
            .iter()
            .rev()
            .find(|m| m.role == Role::Assistant && !m.content.trim().is_empty())
        {
            let note: String = note.content.chars().take(400).collect();
            s.push_str(&format!("- Its last note: {note}\n"));
        }
        if !self.record.files_edited.is_empty()
            && let Ok((diff, _)) = crate::diff::workdir_diff(self.repo)
        {
            let diff: String = diff.chars().take(3000).collect();
            s.push_str(&format!("- Current diff:\n```diff\n{diff}\n```\n"));
        }
        s
    }

    /// Keep the conversation inside the hop's window: old tool results are replaced by a
    /// one-line stub, oldest first, and the transcript says so.
    fn fit_context(&mut self, system: &str, messages: &mut [Message], window: u64) {
        let budget = (window as f64 * CONTEXT_SHARE) as usize;
        // Every token covers at least one byte, so a conversation with fewer bytes than the
        // budget fits without counting: the exact count would cost more than the turn.
        let bytes = system.len()
            + messages
                .iter()
                .map(|m| {
                    m.content.len()
                        + m.tool_calls
                            .iter()
                            .map(|c| c.name.len() + c.arguments.len())
                            .sum::<usize>()
                })
                .sum::<usize>();
        if bytes <= budget {
            return;
        }
        let mut total = crate::tokens::count(system)
            + messages
                .iter()
                .map(|m| crate::tokens::count(&m.content) + 8)
                .sum::<usize>();
        if total <= budget {
            return;
        }
        let cut = messages.len().saturating_sub(KEEP_RECENT);
        let mut dropped = 0usize;
        for m in messages[..cut].iter_mut() {
            if total <= budget {
                break;
            }
            if m.role == Role::Tool && !m.content.starts_with("[dropped") {
                let before = crate::tokens::count(&m.content);
                m.content = format!(
                    "[dropped: {before} tokens of an old tool result, to stay inside the context window]"
                );
                total = total - before + 16;
                dropped += 1;
            }
        }
        if dropped > 0 {
            let _ = self.trajectory.note(
                self.record.turns,
                &format!("context management: shortened {dropped} old tool results to fit {budget} tokens"),
            );
        }
    }
}

/// Calls of one turn that have no result yet.
fn unanswered<'a>(calls: &'a [ToolCall], messages: &[Message]) -> Vec<&'a ToolCall> {
    calls
        .iter()
        .filter(|c| {
            !messages
                .iter()
                .any(|m| m.tool_call_id.as_deref() == Some(&c.id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{Hop, RetryPolicy};
    use crate::provider::ModelClient;
    use crate::provider::scripted::{Script, ScriptTurn};
    use crate::run_record::TaskInfo;

    /// One scripted turn calling `list_dir`, run against `tools`.
    async fn one_call(tools: &mut Tools, repo: &Path) -> LoopEnd {
        let out = tempfile::tempdir().unwrap();
        let turn: ScriptTurn = serde_json::from_value(serde_json::json!({
            "tool_calls": [{"name": "list_dir", "arguments": {}}]
        }))
        .unwrap();
        let hop = Hop::new(ModelClient::scripted("s", Script::new(vec![turn])));
        let mut walker = ChainWalker::new(vec![hop], RetryPolicy::default());
        let mut trajectory = Trajectory::create(out.path()).unwrap();
        let mut record = RunRecord::new("t", TaskInfo::default(), false);
        let mut agent = AgentLoop {
            walker: &mut walker,
            tools,
            trajectory: &mut trajectory,
            graph: None,
            record: &mut record,
            dir: out.path(),
            repo,
            limits: Limits {
                max_turns: 3,
                max_cost_usd: 0.0,
                deadline: Instant::now() + Duration::from_secs(60),
                hallucination_threshold: 3,
                no_progress_turns: 5,
                test_timeout: Duration::from_secs(5),
            },
            gate: GateSpec {
                command: None,
                baseline: None,
            },
            cancel: Arc::new(AtomicBool::new(false)),
        };
        agent.run("system".into(), "fix it".into()).await
    }

    #[tokio::test]
    async fn a_fatal_tool_error_ends_the_loop_a_mistake_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let mut tools = Tools::for_repo(&repo, &[], None, Duration::from_secs(5)).unwrap();
        // A working tool and then a script that has nothing more to say: the loop goes on
        // until the chain is exhausted, not ended by the tool.
        let end = one_call(&mut tools, &repo).await;
        assert!(matches!(end, LoopEnd::Exhausted(_)), "{end:?}");

        // Cancelled between the model's answer and the call.
        let flag = Arc::new(AtomicBool::new(true));
        let mut tools = Tools::for_repo(&repo, &[], None, Duration::from_secs(5))
            .unwrap()
            .with_cancel(flag);
        let end = one_call(&mut tools, &repo).await;
        assert!(matches!(end, LoopEnd::Cancelled), "{end:?}");

        // The checkout vanished under the run.
        let mut tools = Tools::for_repo(&repo, &[], None, Duration::from_secs(5)).unwrap();
        std::fs::remove_dir(&repo).unwrap();
        let end = one_call(&mut tools, &repo).await;
        let LoopEnd::Broken { detail } = &end else {
            panic!("{end:?}")
        };
        assert!(detail.contains("is gone"), "{detail}");
        assert_eq!(end.class(), Some(FailureClass::Internal));
    }
}
