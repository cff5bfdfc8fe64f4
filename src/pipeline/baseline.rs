//! The gate's command and the baseline: what already fails before any edit.

use std::time::Duration;

use super::{EarlyEnd, Run};
use crate::cli::exit;
use crate::config::Config;
use crate::failure::FailureClass;
use crate::run_record::{StageStatus, TestRun};

/// The gate's command: config/flags first, else detected. Recorded either way.
pub(super) fn test_command(run: &mut Run, cfg: &Config, source: Option<String>) -> Option<String> {
    let (test_command, source) = match &cfg.test_command {
        Some(c) => (Some(c.clone()), source.unwrap_or_else(|| "config".into())),
        None => match crate::gate::detect(&run.repo) {
            Some(g) => (Some(g.command), g.source),
            None => (None, "none found".into()),
        },
    };
    run.record.gate.command = test_command.clone();
    run.record.gate.source = Some(source);
    run.record.gate.setup_command = cfg.setup_command.clone();
    test_command
}

/// Without a test command nothing can check a fix: end as `config`.
pub(super) fn require_command(run: &mut Run, cmd: Option<String>) -> Result<String, EarlyEnd> {
    cmd.ok_or_else(|| {
        run.record.fail(
            FailureClass::Config,
            "no test command: OctaGit found no Cargo.toml, pytest config, package.json test script, go.mod or Makefile test target, so it cannot check a fix",
            "gate: no test command configured or detected",
        );
        EarlyEnd::with(exit::USAGE)
    })
}

/// Baseline: the setup command (if any), then the test command before any edit.
pub(super) async fn baseline(run: &mut Run, cfg: &Config, cmd: &str) -> Result<TestRun, EarlyEnd> {
    let stage = run.begin("baseline");
    let test_timeout = Duration::from_secs(cfg.test_timeout_secs);
    if let Some(setup) = &cfg.setup_command {
        let s =
            crate::sandbox::as_setup(crate::gate::run_tests(&run.repo, setup, test_timeout)).await;
        let ok = s.success;
        let tail = s.output_tail.clone();
        run.record.gate.setup = Some(s);
        if !ok {
            run.record.fail(
                FailureClass::Config,
                format!("the setup command `{setup}` failed"),
                tail,
            );
            run.end(stage, StageStatus::Failed, None);
            return Err(EarlyEnd::with(exit::NO_FIX));
        }
    }
    run.record.gate.allow_test_changes = cfg.allow_test_changes;
    let baseline =
        crate::gate::run_baseline(&run.repo, cmd, test_timeout, &mut run.record.gate).await;
    // A command that cannot run a single test cannot judge a fix: stop before any model
    // turn (and without the advisor model), as a config problem.
    if let Some((message, raw)) = crate::gate::cannot_run(&run.record.gate) {
        run.record.fail(FailureClass::Config, message, raw);
        run.end(stage, StageStatus::Failed, None);
        run.advisor = None;
        return Err(EarlyEnd::with(exit::USAGE));
    }
    let note = format!(
        "{} ({} failing)",
        if baseline.success {
            "passing"
        } else {
            "failing"
        },
        baseline.failed_tests.len()
    );
    run.end(stage, StageStatus::Ok, Some(note));
    Ok(baseline)
}
