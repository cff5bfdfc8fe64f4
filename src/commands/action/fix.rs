//! One issue through the pipeline (or the pre-flight audit in `mode: audit`): progress
//! comment, publish target, the run, then labels, rewritten reports and the outputs.

use std::path::Path;

use super::{Action, Prepared, WorkIssue, current_branch};
use crate::cli::exit;
use crate::config::Config;
use crate::github::event::Mode;
use crate::github::progress::{self, ProgressComment};
use crate::github::triage;
use crate::github::workflow_cmd::{self as wf, Level};
use crate::run_record::{RunRecord, RunStatus, TaskInfo};

impl Action {
    pub(super) fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.var("GITHUB_SERVER_URL")?,
            self.var("GITHUB_REPOSITORY")?,
            self.var("GITHUB_RUN_ID")?
        ))
    }

    pub(super) async fn fix(&self, workspace: &Path, p: &Prepared, issue: WorkIssue) -> i32 {
        if p.mode == Mode::Audit {
            // The pre-flight audit for this issue: which models can do it now and at what
            // cost, without touching the repository or the issue.
            let audit_args = crate::cli::AuditArgs {
                task: crate::cli::TaskArgs {
                    repo: workspace.to_path_buf(),
                    issue_file: None,
                    issue: Some(format!("{}\n{}", issue.title, issue.body)),
                    fallback_chain: (!p.cfg.fallback_chain.is_empty())
                        .then(|| p.cfg.fallback_chain.clone()),
                    model: None,
                },
                json: false,
            };
            wf::group(&format!("OctaGit audit for #{}", issue.number));
            let code = match crate::commands::audit::run(&audit_args).await {
                Ok(c) => c,
                Err(e) => {
                    wf::endgroup();
                    return self.error(&format!("{e:#}"));
                }
            };
            wf::endgroup();
            self.output(
                "status",
                if code == exit::OK {
                    "audited"
                } else {
                    "failed"
                },
            );
            self.output(
                "failure-class",
                if code == exit::NO_MODEL {
                    "no-model"
                } else {
                    ""
                },
            );
            self.summary(&crate::report::action::audit_only(
                issue.number,
                code == exit::OK,
            ));
            return code;
        }
        if let Err(s) = self.isolation_allows(p, &issue).await {
            return self.stop(s);
        }
        let run_url = self.run_url();
        let mut start = RunRecord::new("starting", TaskInfo::default(), false);
        start.task.issue_number = Some(issue.number);
        let comment = ProgressComment::start(
            p.gh.clone(),
            issue.number,
            &progress::render_running(&start, None, run_url.as_deref()),
        )
        .await;
        for w in &comment.warnings {
            wf::annotate(Level::Warning, Some("Progress comment"), w);
        }
        let (mut sender, worker) = comment.into_worker();
        sender.run_url = run_url.clone();
        sender.log_groups = true;

        let base_branch = p
            .cfg
            .base_branch
            .clone()
            .or_else(|| {
                p.event
                    .payload
                    .repository
                    .as_ref()
                    .and_then(|r| r.default_branch.clone())
            })
            .or_else(|| current_branch(workspace))
            .unwrap_or_else(|| "main".into());
        let target = crate::publish::PublishTarget {
            api_url: p.api_url.clone(),
            server_url: self
                .var("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".into()),
            repo_slug: p.slug.clone(),
            token: p.token.clone(),
            remote_url: None,
            base_branch,
            issue_number: issue.number,
            issue_title: issue.title.clone(),
            draft: p.cfg.draft,
            branch_prefix: p.cfg.branch_prefix.clone(),
            wip_suffix: p.cfg.wip_suffix.clone(),
        };
        let run_name = format!(
            "run-{}-issue-{}",
            self.var("GITHUB_RUN_ID")
                .unwrap_or_else(|| chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string()),
            issue.number
        );
        let paths = crate::github::runner_paths::ArtefactRoot::from_vars(&self.vars);
        let out_dir = paths.as_ref().map(|r| r.here.join(&run_name));
        self.runner_hint(workspace, &p.cfg);
        let mut env = crate::provider::ProviderEnv::from_process(p.cfg.providers.clone());
        env.vars.extend(p.inputs.provider_vars(&self.vars));
        env.request_timeout = Some(std::time::Duration::from_secs(p.cfg.request_timeout_secs));
        let opts = crate::pipeline::RunOptions {
            out_dir,
            origin: "action".into(),
            provider_env: Some(env),
            publish: Some(target.clone()),
            progress: Some(Box::new({
                sender.open_first_group();
                sender
            })),
            repo_slug: Some(p.slug.clone()),
            test_command_source: p
                .inputs
                .config
                .test_command
                .as_ref()
                .map(|_| "input".into()),
            ..Default::default()
        };
        let pipeline_issue = crate::pipeline::Issue {
            number: Some(issue.number),
            title: issue.title.clone(),
            body: issue.body.clone(),
            url: issue.url.clone(),
        };
        println!(
            "OctaGit on #{}: {}",
            issue.number,
            crate::secret::redact(&issue.title)
        );
        let outcome = crate::pipeline::run(workspace, pipeline_issue, p.cfg.clone(), opts).await;

        // The pipeline dropped the sender: the worker drains and hands the comment back.
        let mut comment = match worker.await {
            Ok(c) => Some(c),
            Err(e) => {
                wf::annotate(
                    Level::Warning,
                    Some("Progress comment"),
                    &format!("the comment worker stopped: {e}"),
                );
                None
            }
        };
        let mut record = outcome.record;
        self.publish_terrain(workspace, p, &target, &mut record, &outcome.dir)
            .await;
        if let Some(c) = comment.as_mut() {
            c.update(&progress::render_final(&record, run_url.as_deref()))
                .await;
            for w in &c.warnings {
                wf::annotate(Level::Warning, Some("Progress comment"), w);
            }
            if let Some(pubrec) = record.publish.as_mut() {
                pubrec.comment_url = c.url.clone();
            }
        }
        let labels = triage::StatusLabels::from_config(&p.cfg);
        let handled = matches!(record.status, RunStatus::Success | RunStatus::Failed);
        if handled
            && let Err(e) = triage::mark_handled(
                &p.gh,
                issue.number,
                &labels,
                record.status == RunStatus::Success,
            )
            .await
        {
            wf::annotate(
                Level::Warning,
                Some("Labels"),
                &format!("{e}; scheduled triage may pick this issue again"),
            );
        }
        // The record gained the picture and the comment: rewrite run.json and the reports
        // so the files the outputs point at say the same as the job summary.
        if let Err(e) = record.write(&outcome.dir) {
            eprintln!("warning: cannot rewrite run.json: {e}");
        }
        if let Err(e) = crate::report::write_all(&record, &outcome.dir) {
            eprintln!("warning: cannot rewrite the reports: {e}");
        }
        let host_dir = paths
            .as_ref()
            .map(|r| r.host.join(&run_name))
            .unwrap_or_else(|| outcome.dir.clone());
        self.report(&record, &outcome.dir, &host_dir);
        if outcome.exit_code == exit::NO_FIX && !p.cfg.fail_on_no_fix {
            println!(
                "No fix, and `fail-on-no-fix` is false: the step succeeds; the `status` and `failure-class` outputs say what happened."
            );
            return exit::OK;
        }
        outcome.exit_code
    }

    /// Say, before the run, when the test runner the gate will use is not installed here:
    /// the baseline would fail for a reason no edit can fix.
    pub(super) fn runner_hint(&self, workspace: &Path, cfg: &Config) {
        if cfg.setup_command.is_some() {
            return;
        }
        let Some(cmd) = crate::gate::choose(cfg.test_command.as_deref(), "config", workspace)
        else {
            return;
        };
        if let Some(hint) = crate::runner_check::missing_runner(&cmd.command, workspace) {
            wf::annotate(Level::Warning, Some("Test runner missing"), &hint);
        }
    }
}
