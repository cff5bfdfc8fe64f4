//! The agent loop, and the gate after it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::audit::Prompt;
use super::{EarlyEnd, Run};
use crate::agent::run_loop::{AgentLoop, GateSpec, Limits, LoopEnd};
use crate::agent::tools::Tools;
use crate::agent::trajectory::Trajectory;
use crate::agent::workspace::Workspace;
use crate::chain::{ChainWalker, Hop, RetryPolicy};
use crate::cli::exit;
use crate::config::Config;
use crate::failure::FailureClass;
use crate::gate::{Gate, GateCommand};
use crate::run_record::{StageStatus, TestRun};

/// The agent stage: how the loop ended. Ends early (as `internal`) only when the
/// transcript or the workspace confinement cannot be set up.
#[allow(clippy::too_many_arguments)]
pub(super) async fn agent(
    run: &mut Run,
    cfg: &Config,
    hops: Vec<Hop>,
    prompt: Prompt,
    cmd: &str,
    baseline: &TestRun,
    cancel: Arc<AtomicBool>,
) -> Result<LoopEnd, EarlyEnd> {
    let stage = run.begin("agent");
    let test_timeout = Duration::from_secs(cfg.test_timeout_secs);
    // The transcript and the confinement layer: without either the agent must not start.
    let setup = Trajectory::create(&run.dir)
        .map_err(|e| format!("cannot write the transcript: {e}"))
        .and_then(|t| {
            Workspace::new(&run.repo, &cfg.protected_paths)
                .map(|ws| (t, ws))
                .map_err(|e| format!("cannot confine the workspace: {e}"))
        });
    let (mut trajectory, workspace) = match setup {
        Ok(s) => s,
        Err(message) => {
            run.record
                .fail(FailureClass::Internal, message.clone(), message.clone());
            run.end(stage, StageStatus::Failed, Some(message));
            return Err(EarlyEnd::with(exit::NO_FIX));
        }
    };
    let mut tools = Tools::new(workspace)
        .with_cancel(cancel.clone())
        .with_gate(Some(Gate::new(
            &run.repo,
            GateCommand {
                command: cmd.to_string(),
                source: run.record.gate.source.clone().unwrap_or_default(),
            },
            test_timeout,
        )));
    // The model's test digests then say what is newly failing and what now passes.
    tools.set_baseline(baseline.clone());
    if let Some(g) = tools.gate_mut() {
        g.policy = crate::gate::Policy::from_record(&run.record.gate);
    }
    let mut walker = ChainWalker::new(hops, RetryPolicy::default());
    let end = {
        let mut agent = AgentLoop {
            walker: &mut walker,
            tools: &mut tools,
            trajectory: &mut trajectory,
            graph: run.graph.as_mut(),
            record: &mut run.record,
            dir: &run.dir,
            repo: &run.repo,
            limits: Limits {
                max_turns: cfg.max_turns,
                max_cost_usd: cfg.max_cost_usd,
                deadline: deadline(run.started, cfg.max_minutes),
                hallucination_threshold: 3,
                no_progress_turns: 5,
                test_timeout,
            },
            gate: GateSpec {
                command: Some(cmd.to_string()),
                baseline: Some(baseline.clone()),
            },
            cancel,
        };
        agent.run(prompt.system, prompt.first_user).await
    };
    run.record.hops = walker.attempts().to_vec();
    run.pins = tools.edited_content().clone();
    run.advisor = crate::chain::advisor_hop(walker.hops(), walker.attempts());
    let agent_note = match &end {
        LoopEnd::Finished { .. } => "finished".to_string(),
        LoopEnd::Limit { what } => what.clone(),
        LoopEnd::Exhausted(e) => e.to_string(),
        LoopEnd::Hallucination { detail } => detail.clone(),
        LoopEnd::Stuck { detail, .. } => detail.clone(),
        LoopEnd::Cancelled => "cancelled".into(),
        LoopEnd::Broken { detail } => detail.clone(),
    };
    let status = if matches!(end, LoopEnd::Finished { .. }) {
        StageStatus::Ok
    } else {
        StageStatus::Failed
    };
    run.end(stage, status, Some(agent_note));
    run.write_graph();
    Ok(end)
}

/// The wall-clock deadline; checked, because `max_minutes` comes from a config file.
fn deadline(started: std::time::Instant, max_minutes: u32) -> std::time::Instant {
    let budget = Duration::from_secs(u64::from(max_minutes).saturating_mul(60));
    started
        .checked_add(budget)
        .unwrap_or_else(|| started + Duration::from_secs(7 * 24 * 3600))
}

/// Gate (after): the loop ran it on `finish`; a run that stopped early with edits gets one
/// run here so the reports can say where it stands. Returns the run's exit code.
pub(super) async fn gate(
    run: &mut Run,
    cfg: &Config,
    cmd: &str,
    baseline: &TestRun,
    end: LoopEnd,
) -> i32 {
    let stage = run.begin("gate");
    let ok = matches!(end, LoopEnd::Finished { .. });
    if !ok
        && !run.record.files_edited.is_empty()
        && run.record.gate.after.is_none()
        && !matches!(end, LoopEnd::Cancelled)
    {
        let test_timeout = Duration::from_secs(cfg.test_timeout_secs);
        let (after, _) = crate::gate::run_after(
            &mut run.record.gate,
            &run.repo,
            cmd,
            test_timeout,
            Some(baseline),
        )
        .await;
        run.record.gate.after = Some(after);
    }
    // What gets committed is what the agent wrote: files its tests rewrote go back, before
    // the proof copies the agent's test files.
    let pins = std::mem::take(&mut run.pins);
    let ok = super::drift::restore_agent_content(run, cfg, cmd, baseline, &pins).await && ok;
    // The agent's test edits, and its tests re-run against the original code.
    if !run.record.files_edited.is_empty() && !matches!(end, LoopEnd::Cancelled) {
        let test_timeout = Duration::from_secs(cfg.test_timeout_secs);
        crate::gate::proof::examine(&run.repo, cmd, test_timeout, &mut run.record).await;
    }
    // A "fix" that only rewrote the failing tests to pass on the original code is none.
    let ok = ok && !crate::gate::proof::refute(&mut run.record);
    match &end {
        LoopEnd::Finished { summary } => {
            run.record.finish_summary = Some(crate::secret::redact(summary));
        }
        LoopEnd::Exhausted(e) => run.record.fail(
            e.class,
            format!("every model in the chain failed: {}", e.summary),
            e.last.clone(),
        ),
        LoopEnd::Limit { what } => run.record.fail(
            FailureClass::Limit,
            format!("the agent stopped before a fix: {what}"),
            what.clone(),
        ),
        LoopEnd::Hallucination { detail } => run.record.fail(
            FailureClass::Hallucination,
            "the models kept inventing tool calls or claiming fixes the tests refute",
            detail.clone(),
        ),
        LoopEnd::Stuck { behaviour, detail } => {
            run.record.fail_for_behaviour(*behaviour, detail.clone())
        }
        LoopEnd::Cancelled => run.record.fail(
            FailureClass::Cancelled,
            "the run was cancelled",
            "cancelled",
        ),
        LoopEnd::Broken { detail } => run.record.fail(
            FailureClass::Internal,
            format!("the agent had to stop: {detail}"),
            detail.clone(),
        ),
    }
    crate::gate::reclassify(&mut run.record);
    let status = if ok {
        StageStatus::Ok
    } else {
        StageStatus::Skipped
    };
    let verdict = run.record.gate.verdict.clone();
    run.end(stage, status, verdict);
    if ok { exit::OK } else { exit::NO_FIX }
}
