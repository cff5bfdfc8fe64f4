//! The stages in order. Each returns `Result<_, EarlyEnd>`; `?` is the only way out early,
//! and the caller (`pipeline::run`) runs `finish` after whatever comes back.

use super::{EarlyEnd, Issue, Run, RunOptions};
use crate::config::Config;

/// Run every stage; the exit code the run ends with when none ended it early.
pub(super) async fn all(
    run: &mut Run,
    issue: Issue,
    cfg: &Config,
    mut opts: RunOptions,
) -> Result<i32, EarlyEnd> {
    let task = super::index::task(run, &issue);
    let repo_map = super::index::index(run, &task, opts.index_cache.clone());
    let test_command = super::baseline::test_command(run, cfg, opts.test_command_source.clone());
    let prompt = super::audit::Prompt::new(test_command.as_deref(), &task, &repo_map);
    // The baseline before the audit: a test command that cannot run a single test ends the
    // run before any model request, the audit's probes included.
    let cmd = super::baseline::require_command(run, test_command)?;
    let baseline = super::baseline::baseline(run, cfg, &cmd).await?;
    let hops = super::audit::audit(run, cfg, &mut opts, &prompt).await?;
    let end = super::agent::agent(run, cfg, hops, prompt, &cmd, &baseline, opts.cancel).await?;
    Ok(super::agent::gate(run, cfg, &cmd, &baseline, end).await)
}
