//! `octagit action`: the GitHub Action entrypoint (container image and host mode alike).
//!
//! Order matters: every secret is masked (`::add-mask::`) before anything prints; then the
//! event decides whether to run; then who may trigger (bots, permission, issue state, an
//! open OctaGit PR); only then the pipeline. Every way out writes one clear line to the log,
//! a job summary, and the outputs. Nothing here panics on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cli::{ActionArgs, exit};
use crate::config::{Config, Overrides};
use crate::github::event::{Decision, Event, Mode, TriggerSettings, permission_reaches};
use crate::github::progress::{self, ProgressComment};
use crate::github::triage;
use crate::github::workflow_cmd::{self as wf, Level, RunnerFiles};
use crate::github::{ApiError, GitHub};
use crate::run_record::{RunRecord, RunStatus, TaskInfo};
use crate::secret::Secret;

/// Action inputs that carry provider credentials, and the variable each provider reads.
/// A container action gets its keys as inputs, not as the provider's usual variables.
pub const PROVIDER_INPUTS: &[(&str, &str)] = &[
    ("INPUT_ANTHROPIC-API-KEY", "ANTHROPIC_API_KEY"),
    ("INPUT_OPENAI-API-KEY", "OPENAI_API_KEY"),
    ("INPUT_OPENROUTER-API-KEY", "OPENROUTER_API_KEY"),
    ("INPUT_HF-TOKEN", "HF_TOKEN"),
    // GitHub Models authenticate with a GitHub token (`models: read`).
    ("INPUT_GITHUB-TOKEN", "GITHUB_TOKEN"),
];

/// Issues a scheduled triage run hands to the fan-out job at most, unless `max-issues` says.
pub const DEFAULT_TRIAGE_CAP: usize = 5;

/// The provider variables the inputs supply: an input wins over an empty or absent
/// variable, never over one the workflow set explicitly in `env:`.
pub fn provider_vars_from_inputs(vars: &BTreeMap<String, String>) -> Vec<(String, String)> {
    PROVIDER_INPUTS
        .iter()
        .filter_map(|(input, var)| {
            let v = vars
                .get(*input)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())?;
            let already = vars.get(*var).is_some_and(|s| !s.trim().is_empty());
            (!already).then(|| (var.to_string(), v.to_string()))
        })
        .collect()
}

pub async fn run(args: &ActionArgs) -> anyhow::Result<i32> {
    let mut vars: BTreeMap<String, String> = std::env::vars().collect();
    // Mask before anything can print.
    for (k, v) in &vars {
        if crate::secret::is_secret_env_name(k) && !v.trim().is_empty() {
            wf::add_mask(v);
            crate::secret::register(v);
        }
    }
    for (k, v) in provider_vars_from_inputs(&vars) {
        // SAFETY: runs first thing in the command, before any task or thread of ours reads
        // the environment; the runtime's idle workers do not touch it.
        unsafe { std::env::set_var(&k, &v) };
        vars.insert(k, v);
    }
    Ok(Action::new(args.clone(), vars).run().await)
}

struct Action {
    args: ActionArgs,
    vars: BTreeMap<String, String>,
    files: RunnerFiles,
}

/// A run that stops before the pipeline: what to say and how to exit.
enum Stop {
    Skip(String),
    /// Bad input or configuration (`failure-class` config).
    Error(String),
    /// GitHub refused or failed a request: the message and the `failure-class`.
    Api(String, &'static str),
}

/// The `failure-class` output for a GitHub API error: `auth` (the token was refused),
/// `rate` (rate limited), `permission` (the token or the user lacks a permission),
/// `github-api` (GitHub failed or could not be reached), `config` (our own set-up).
pub fn api_failure_class(e: &ApiError) -> &'static str {
    match e {
        ApiError::Status { status: 401, .. } => "auth",
        ApiError::Status { status: 429, .. } => "rate",
        ApiError::Status { status: 403, .. } if e.text_lower().contains("rate limit") => "rate",
        ApiError::Status {
            status: 403 | 404, ..
        } => "permission",
        ApiError::Status { .. } | ApiError::Transport { .. } => "github-api",
        ApiError::Config(_) => "config",
    }
}

fn api_stop(e: &ApiError, context: &str) -> Stop {
    let hint = match e.status() {
        Some(401) => " The token was refused: check the `github-token` input.",
        Some(403) | Some(404) => {
            " The token lacks a permission: the workflow needs `permissions:` contents, issues and pull-requests `write`."
        }
        _ => "",
    };
    Stop::Api(format!("{e}{context}.{hint}"), api_failure_class(e))
}

impl Action {
    fn new(args: ActionArgs, vars: BTreeMap<String, String>) -> Action {
        let files = RunnerFiles::from_vars(&vars);
        Action { args, vars, files }
    }

    fn var(&self, k: &str) -> Option<String> {
        self.vars
            .get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn input(&self, name: &str) -> Option<String> {
        self.var(&format!("INPUT_{}", name.to_ascii_uppercase()))
    }

    fn workspace(&self) -> PathBuf {
        self.var("GITHUB_WORKSPACE")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn output(&self, name: &str, value: &str) {
        if let Err(e) = self.files.set_output(name, value) {
            eprintln!("warning: cannot write the `{name}` output: {e}");
        }
    }

    fn summary(&self, md: &str) {
        if let Err(e) = self.files.append_summary(md) {
            eprintln!("warning: cannot write the job summary: {e}");
        }
    }

    fn skip(&self, reason: &str) -> i32 {
        wf::annotate(Level::Notice, Some("OctaGit skipped"), reason);
        self.summary(&format!(
            "## OctaGit: skipped\n\n{}\n",
            crate::secret::redact(reason)
        ));
        self.output("status", "skipped");
        exit::OK
    }

    fn error(&self, message: &str) -> i32 {
        self.error_class(message, "config")
    }

    fn error_class(&self, message: &str, class: &str) -> i32 {
        wf::annotate(Level::Error, Some("OctaGit"), message);
        self.summary(&format!(
            "## OctaGit: could not start\n\n{}\n",
            crate::secret::redact(message)
        ));
        self.output("status", "error");
        self.output("failure-class", class);
        exit::USAGE
    }

    fn stop(&self, s: Stop) -> i32 {
        match s {
            Stop::Skip(r) => self.skip(&r),
            Stop::Error(m) => self.error(&m),
            Stop::Api(m, class) => self.error_class(&m, class),
        }
    }

    async fn run(self) -> i32 {
        crate::git::trust_workspace();
        let workspace = self.workspace();
        self.trust_for_git_cli(&workspace);
        match self.prepare(&workspace).await {
            Ok(p) => self.execute(&workspace, p).await,
            Err(s) => self.stop(s),
        }
    }

    /// `git config --global --add safe.directory <workspace>` for the test command's own
    /// git calls (the container runs as root over a workspace owned by the runner user).
    fn trust_for_git_cli(&self, workspace: &Path) {
        if self.var("GITHUB_ACTIONS").as_deref() != Some("true") {
            return;
        }
        let ws = workspace.display().to_string();
        let listed = std::process::Command::new("git")
            .args(["config", "--global", "--get-all", "safe.directory"])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l == ws || l == "*")
            })
            .unwrap_or(false);
        if !listed {
            let _ = std::process::Command::new("git")
                .args(["config", "--global", "--add", "safe.directory", &ws])
                .status();
        }
    }

    async fn prepare(&self, workspace: &Path) -> Result<Prepared, Stop> {
        let token = self
            .input("github-token")
            .or_else(|| self.var("GITHUB_TOKEN"))
            .ok_or_else(|| Stop::Error("no GitHub token: the `github-token` input is empty; keep its default `${{ github.token }}` or pass a token with contents, issues and pull-requests write access".into()))?;
        let token = Secret::new(token);
        let event_name = self.var("GITHUB_EVENT_NAME").ok_or_else(|| {
            Stop::Error(
                "GITHUB_EVENT_NAME is not set: `octagit action` runs inside a GitHub Actions job"
                    .into(),
            )
        })?;
        let event_path = self.var("GITHUB_EVENT_PATH").ok_or_else(|| {
            Stop::Error(
                "GITHUB_EVENT_PATH is not set: `octagit action` runs inside a GitHub Actions job"
                    .into(),
            )
        })?;
        let event = Event::read(&event_name, Path::new(&event_path))
            .map_err(|e| Stop::Error(e.to_string()))?;
        let inputs = Overrides::from_inputs(&self.vars).map_err(|e| Stop::Error(e.to_string()))?;
        let mode = Mode::parse(self.input("mode").as_deref()).map_err(Stop::Error)?;
        let (cfg, _) = Config::resolve(workspace, &inputs, &Overrides::default())
            .map_err(|e| Stop::Error(e.to_string()))?;
        let settings = TriggerSettings {
            label: cfg.trigger.label.clone(),
            phrase: cfg.trigger.phrase.clone(),
            mode,
            issue_number: self.input("issue-number"),
        };
        let decision = crate::github::event::decide(&event, &settings)
            .map_err(|e| Stop::Error(e.to_string()))?;
        if let Decision::Skip { reason } = &decision {
            return Err(Stop::Skip(reason.clone()));
        }
        let slug = self
            .var("GITHUB_REPOSITORY")
            .or_else(|| {
                event
                    .payload
                    .repository
                    .as_ref()
                    .and_then(|r| r.full_name.clone())
            })
            .ok_or_else(|| {
                Stop::Error("GITHUB_REPOSITORY is not set and the event names no repository".into())
            })?;
        let api_url = self
            .var("GITHUB_API_URL")
            .unwrap_or_else(|| "https://api.github.com".into());
        let gh = GitHub::new(&api_url, &token, &slug).map_err(|e| Stop::Error(e.to_string()))?;
        Ok(Prepared {
            token,
            event,
            cfg,
            mode,
            decision,
            slug,
            api_url,
            gh,
        })
    }

    async fn execute(&self, workspace: &Path, p: Prepared) -> i32 {
        match p.decision.clone() {
            Decision::Triage => self.triage(&p).await,
            Decision::Issue { number, issue } => match self.gate(&p, number, issue).await {
                Ok(issue) => self.fix(workspace, &p, issue).await,
                Err(s) => self.stop(s),
            },
            Decision::Skip { reason } => self.skip(&reason),
        }
    }

    async fn triage(&self, p: &Prepared) -> i32 {
        let cap = self
            .input("max-issues")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(DEFAULT_TRIAGE_CAP);
        wf::group("OctaGit triage");
        let labels = triage::StatusLabels::from_config(&p.cfg);
        let plan = triage::plan(
            &p.gh,
            &p.cfg.trigger.label,
            &p.cfg.branch_prefix,
            &labels,
            cap,
        )
        .await;
        wf::endgroup();
        match plan {
            Ok(plan) => {
                for (n, r) in &plan.skipped {
                    println!("skipping #{n}: {r}");
                }
                println!(
                    "selected: {:?}",
                    plan.selected.iter().map(|s| s.0).collect::<Vec<_>>()
                );
                self.output("matrix", &triage::matrix_json(&plan));
                self.output("status", "triaged");
                self.summary(&triage::summary_markdown(&plan, &p.cfg.trigger.label, cap));
                exit::OK
            }
            Err(e) => self.api_error(&e),
        }
    }

    fn api_error(&self, e: &ApiError) -> i32 {
        self.stop(api_stop(e, ""))
    }

    /// Who may trigger, and is the issue workable. Returns the issue to work on.
    async fn gate(
        &self,
        p: &Prepared,
        number: u64,
        from_event: Option<crate::github::event::EventIssue>,
    ) -> Result<WorkIssue, Stop> {
        // A scheduled run (the triage fan-out) acts for the repository, not for a person.
        if p.event.name != "schedule" {
            let actor = p
                .event
                .payload
                .sender
                .as_ref()
                .map(|s| s.login.clone())
                .filter(|l| !l.is_empty())
                .or_else(|| self.var("GITHUB_ACTOR"))
                .ok_or_else(|| {
                    Stop::Error("the event names no sender and GITHUB_ACTOR is not set".into())
                })?;
            if actor.ends_with("[bot]") {
                return Err(Stop::Skip(format!(
                    "the run was started by the bot `{actor}`; bots never trigger OctaGit"
                )));
            }
            let have = p.gh.permission(&actor).await.map_err(|e| {
                api_stop(
                    &e,
                    "; the token needs read access to the repository's collaborators",
                )
            })?;
            let need = p.cfg.min_permission.clone();
            if !permission_reaches(&have, &need) {
                return Err(Stop::Skip(format!(
                    "`{actor}` has `{have}` permission on {}; starting OctaGit needs `{need}` (the `min-permission` input)",
                    p.slug
                )));
            }
            println!("{actor} has {have} permission (needs {need})");
        }
        let issue = match from_event {
            Some(i) => WorkIssue {
                number: i.number,
                title: i.title,
                body: i.body.unwrap_or_default(),
                url: i.html_url,
                state: i.state,
                locked: i.locked,
                is_pr: i.pull_request.as_ref().is_some_and(|v| !v.is_null()),
                author: i.user.map(|u| u.login),
            },
            None => {
                let i = p.gh.issue(number).await.map_err(|e| match e.status() {
                    Some(404) | Some(410) => Stop::Error(format!("issue #{number} does not exist in {} (or was deleted); check the `issue-number` input", p.slug)),
                    _ => api_stop(&e, ""),
                })?;
                WorkIssue {
                    is_pr: i.is_pull_request(),
                    number: i.number,
                    title: i.title,
                    body: i.body.unwrap_or_default(),
                    url: i.html_url,
                    state: i.state,
                    locked: i.locked,
                    author: i.user.map(|u| u.login),
                }
            }
        };
        if issue.is_pr {
            return Err(Stop::Skip(format!(
                "#{} is a pull request; OctaGit works on issues",
                issue.number
            )));
        }
        if issue.state == "closed" {
            return Err(Stop::Skip(format!(
                "issue #{} is closed; reopen it to run OctaGit",
                issue.number
            )));
        }
        if issue.locked {
            return Err(Stop::Skip(format!(
                "issue #{} is locked; unlock it to run OctaGit",
                issue.number
            )));
        }
        let force = self.args.force
            || self
                .input("force")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !force {
            let pulls = p.gh.open_pulls().await.map_err(|e| api_stop(&e, ""))?;
            if let Some(pr) = triage::open_pr_for(&pulls, &p.cfg.branch_prefix, issue.number) {
                return Err(Stop::Skip(format!(
                    "issue #{} already has an open OctaGit pull request{}; close it or run with --force to try again",
                    issue.number,
                    pr.html_url
                        .as_ref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(issue)
    }

    /// Without any isolation, code the model writes runs as we do: only an issue written by
    /// someone with write access (or `allow-unsandboxed: true`) may start that.
    async fn isolation_allows(&self, p: &Prepared, issue: &WorkIssue) -> Result<(), Stop> {
        let iso = crate::sandbox::detect();
        if iso.level != crate::sandbox::Level::None {
            return Ok(());
        }
        let why = iso.reason.unwrap_or_default();
        wf::annotate(
            Level::Warning,
            Some("OctaGit: no sandbox"),
            &format!("the commands will run without isolation ({why})"),
        );
        if p.cfg.allow_unsandboxed {
            return Ok(());
        }
        let refuse = |who: &str| {
            Stop::Error(format!(
                "no sandbox is available here ({why}) and issue #{} was written by {who}, who has no write access: OctaGit will not run code a model wrote from it unisolated. Install bubblewrap, run the container as root, or set `allow-unsandboxed: true` to accept the risk",
                issue.number
            ))
        };
        let Some(author) = issue.author.clone().filter(|a| !a.is_empty()) else {
            return Err(refuse("an unknown author"));
        };
        let have = p.gh.permission(&author).await.map_err(|e| {
            Stop::Error(format!(
                "{e}; the token needs read access to the repository's collaborators"
            ))
        })?;
        if permission_reaches(&have, "write") {
            Ok(())
        } else {
            Err(refuse(&format!("`{author}`")))
        }
    }

    fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.var("GITHUB_SERVER_URL")?,
            self.var("GITHUB_REPOSITORY")?,
            self.var("GITHUB_RUN_ID")?
        ))
    }

    async fn fix(&self, workspace: &Path, p: &Prepared, issue: WorkIssue) -> i32 {
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
            let code = match super::audit::run(&audit_args).await {
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
            self.summary(&format!(
                "## OctaGit audit for #{}\n\n{}\n",
                issue.number,
                if code == exit::OK {
                    "At least one model can do this job now; the table is in the log."
                } else {
                    "No model can do this job now; the log says why for each."
                }
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
        env.vars.extend(provider_vars_from_inputs(&self.vars));
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
            test_command_source: self.input("test-command").map(|_| "input".into()),
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

    /// The assets branch: commit the run's terrain pictures, then show them in the PR body
    /// (the summary and the comment render from the record). Any refusal leaves the text
    /// heatmap in place and says why.
    async fn publish_terrain(
        &self,
        workspace: &Path,
        p: &Prepared,
        publish: &crate::publish::PublishTarget,
        record: &mut RunRecord,
        dir: &Path,
    ) {
        let branch = p.cfg.assets_branch.trim().to_string();
        if branch.is_empty() {
            return;
        }
        let target = crate::github::assets::AssetsTarget {
            branch,
            push_url: publish.push_url(workspace),
            token: Some(p.token.clone()),
            server_url: publish.server_url.clone(),
            repo_slug: p.slug.clone(),
        };
        let (repo, dir_c, run_id) = (
            workspace.to_path_buf(),
            dir.to_path_buf(),
            record.run_id.clone(),
        );
        let img = tokio::task::spawn_blocking(move || {
            crate::github::assets::publish_terrain(&repo, &dir_c, &run_id, &target)
        })
        .await
        .unwrap_or_else(|e| crate::run_record::TerrainImage {
            error: Some(format!("the assets step stopped unexpectedly: {e}")),
            ..Default::default()
        });
        if let Some(e) = &img.error {
            wf::annotate(Level::Warning, Some("Terrain picture"), e);
        }
        if let (Some(n), Some(_)) = (
            record.publish.as_ref().and_then(|pr| pr.pr_number),
            img.svg_url.as_ref(),
        ) && let Err(e) = crate::github::assets::embed_in_pull(&p.gh, n, &img).await
        {
            wf::annotate(
                Level::Warning,
                Some("Terrain picture"),
                &format!("the picture could not be added to pull request #{n}: {e}"),
            );
        }
        record.terrain_image = Some(img);
    }

    /// Say, before the run, when the test runner the gate will use is not installed here:
    /// the baseline would fail for a reason no edit can fix.
    fn runner_hint(&self, workspace: &Path, cfg: &Config) {
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

    /// Outputs and the job summary. `dir` is the run directory as this process sees it,
    /// `host_dir` the same directory as later steps of the job see it.
    fn report(&self, record: &RunRecord, dir: &Path, host_dir: &Path) {
        let status = match record.status {
            RunStatus::Success => "success",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Running => "unknown",
        };
        let publish = record.publish.clone().unwrap_or_default();
        self.output("status", status);
        self.output(
            "failure-class",
            record.failure_class().map(|c| c.as_str()).unwrap_or(""),
        );
        self.output("pr-url", publish.pr_url.as_deref().unwrap_or(""));
        self.output(
            "pr-number",
            &publish.pr_number.map(|n| n.to_string()).unwrap_or_default(),
        );
        self.output(
            "branch",
            if publish.pushed {
                publish.branch.as_deref().unwrap_or("")
            } else {
                ""
            },
        );
        self.output("cost-usd", &format!("{:.4}", record.cost_usd));
        let file = |name: &str| {
            if dir.join(name).is_file() {
                host_dir.join(name).display().to_string()
            } else {
                String::new()
            }
        };
        self.output("summary-path", &file("summary.md"));
        self.output("report-path", &file("report.html"));
        self.output("terrain-path", &file("terrain.svg"));
        self.output(
            "terrain-url",
            record
                .terrain_image
                .as_ref()
                .and_then(|i| i.svg_url.as_deref())
                .unwrap_or(""),
        );
        self.summary(&crate::report::job_summary(record));
        if let Some(e) = &publish.error {
            wf::annotate(Level::Warning, Some("Publish"), e);
        }
        if record.status != RunStatus::Success {
            let advice = crate::report::advice(record);
            wf::annotate(
                Level::Error,
                Some("OctaGit: no fix"),
                &format!("{} Next step: {}", advice.headline, advice.next_step),
            );
        }
    }
}

struct Prepared {
    token: Secret,
    event: Event,
    cfg: Config,
    mode: Mode,
    decision: Decision,
    slug: String,
    api_url: String,
    gh: GitHub,
}

struct WorkIssue {
    number: u64,
    title: String,
    body: String,
    url: Option<String>,
    state: String,
    locked: bool,
    is_pr: bool,
    /// Who wrote the issue: its text reaches the model.
    author: Option<String>,
}

fn current_branch(repo: &Path) -> Option<String> {
    let r = git2::Repository::open(repo).ok()?;
    let head = r.head().ok()?;
    head.shorthand()
        .ok()
        .filter(|s| *s != "HEAD")
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_map_to_provider_vars_without_overriding_env() {
        let mut vars = BTreeMap::new();
        vars.insert(
            "INPUT_ANTHROPIC-API-KEY".to_string(),
            "sk-ant-xxxxxxxxxxxxxxxxxxxx".to_string(),
        );
        vars.insert("INPUT_OPENAI-API-KEY".to_string(), "".to_string());
        vars.insert("INPUT_HF-TOKEN".to_string(), "hf_input".to_string());
        vars.insert("HF_TOKEN".to_string(), "hf_env".to_string());
        let got = provider_vars_from_inputs(&vars);
        assert_eq!(
            got,
            vec![(
                "ANTHROPIC_API_KEY".to_string(),
                "sk-ant-xxxxxxxxxxxxxxxxxxxx".to_string()
            )]
        );
    }
}
