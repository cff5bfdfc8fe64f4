//! What gets committed is what the agent wrote and the gate judged. The agent's tests run
//! with write access to the workspace, so test code can rewrite a file after the agent's
//! last edit (a "fix" that patches itself in only while the tests run, or a file swapped
//! for something the model never showed). After the gate, every edited file is compared
//! with the content the agent's tools pinned; a drifted file is put back and the gate runs
//! once more on the agent's content. Tests that rewrite the files again fail the gate.

use std::time::Duration;

use super::Run;
use crate::agent::tools::{ContentPins, Drift};
use crate::config::Config;
use crate::failure::FailureClass;
use crate::run_record::TestRun;

/// Put drifted files back. Returns `false` when the gate no longer passes on the agent's
/// own content (the record then says why); `true` when nothing drifted or it still passes.
pub(super) async fn restore_agent_content(
    run: &mut Run,
    cfg: &Config,
    cmd: &str,
    baseline: &TestRun,
    pins: &ContentPins,
) -> bool {
    let drifted = put_back(run, pins);
    if drifted.is_empty() {
        return true;
    }
    let listed = drifted.join(", ");
    tracing::warn!(files = %listed, "the test run rewrote files the agent edited; restored");
    if run.record.gate.after.is_none() {
        return true;
    }
    // The verdict was reached on content the agent did not write: judge again.
    let timeout = Duration::from_secs(cfg.test_timeout_secs);
    let (after, v) = crate::gate::run_after(
        &mut run.record.gate,
        &run.repo,
        cmd,
        timeout,
        Some(baseline),
    )
    .await;
    run.record.gate.after = Some(after);
    let again = put_back(run, pins);
    let (passed, why) = if !again.is_empty() {
        let files = again.join(", ");
        (
            false,
            format!(
                "the tests rewrite files the agent edited ({files}), so the gate cannot judge \
                 the agent's change; look at what the test code writes, and run again"
            ),
        )
    } else {
        (
            v.passed,
            format!(
                "after restoring files the tests had rewritten ({listed}): {}",
                v.why
            ),
        )
    };
    run.record.gate.passed = Some(passed);
    run.record.gate.verdict = Some(why.clone());
    if !passed {
        run.record.fail(
            FailureClass::Gate,
            format!("the gate refused the fix: {why}"),
            "gate run again on the agent's own content",
        );
    }
    passed
}

/// Restore every drifted pinned file and note it in the record; the drifted paths.
fn put_back(run: &mut Run, pins: &ContentPins) -> Vec<String> {
    let drifted: Vec<String> = pins
        .drifted(&run.repo)
        .iter()
        .map(Drift::path)
        .map(str::to_string)
        .collect();
    for rel in &drifted {
        if let Err(e) = pins.restore(&run.repo, rel) {
            tracing::warn!(file = %rel, error = %e, "cannot restore the agent's content");
        }
        if let Some(sb) = run.record.sandbox.as_mut()
            && !sb.restored.contains(rel)
        {
            sb.restored.push(rel.clone());
        }
    }
    drifted
}
