//! `octagit action`: the GitHub Action entrypoint (container image and host mode alike).
//!
//! Order matters: every secret is masked (`::add-mask::`) before anything prints; then the
//! event decides whether to run; then who may trigger (bots, permission, issue state, an
//! open OctaGit PR); only then the pipeline. Every way out writes one clear line to the log,
//! a job summary, and the outputs. Nothing here panics on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod fix;
mod gating;
mod terrain;
mod triage;

use crate::cli::{ActionArgs, exit};
use crate::config::{ActionInputs, Config, ConfigError};
use crate::github::event::{Decision, Event, Mode};
use crate::github::workflow_cmd::{self as wf, Level, RunnerFiles};
use crate::github::{ApiError, GitHub};
use crate::run_record::{RunRecord, RunStatus};
use crate::secret::Secret;

/// Issues a scheduled triage run hands to the fan-out job at most, unless `max-issues` says.
pub const DEFAULT_TRIAGE_CAP: usize = 5;

pub async fn run(args: &ActionArgs) -> anyhow::Result<i32> {
    let mut vars: BTreeMap<String, String> = std::env::vars().collect();
    // Mask before anything can print.
    for (k, v) in &vars {
        if crate::secret::is_secret_env_name(k) && !v.trim().is_empty() {
            wf::add_mask(v);
            crate::secret::register(v);
        }
    }
    // Bad inputs stop the run in `prepare`, where they are reported like any other.
    let inputs = ActionInputs::from_vars(&vars);
    let keys: Vec<_> = inputs.iter().flat_map(|i| i.provider_vars(&vars)).collect();
    for (k, v) in keys {
        // SAFETY: runs first thing in the command, before any task or thread of ours reads
        // the environment; the runtime's idle workers do not touch it.
        unsafe { std::env::set_var(&k, &v) };
        vars.insert(k, v);
    }
    Ok(Action::new(args.clone(), vars, inputs).run().await)
}

struct Action {
    args: ActionArgs,
    vars: BTreeMap<String, String>,
    /// Every `INPUT_*`, read once (`config::ActionInputs`).
    inputs: Result<ActionInputs, ConfigError>,
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
    fn new(
        args: ActionArgs,
        vars: BTreeMap<String, String>,
        inputs: Result<ActionInputs, ConfigError>,
    ) -> Action {
        let files = RunnerFiles::from_vars(&vars);
        Action {
            args,
            vars,
            inputs,
            files,
        }
    }

    fn var(&self, k: &str) -> Option<String> {
        self.vars
            .get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
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
        self.summary(&crate::report::action::skipped(reason));
        self.output("status", "skipped");
        exit::OK
    }

    fn error(&self, message: &str) -> i32 {
        self.error_class(message, "config")
    }

    fn error_class(&self, message: &str, class: &str) -> i32 {
        wf::annotate(Level::Error, Some("OctaGit"), message);
        self.summary(&crate::report::action::could_not_start(message));
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
            wf::annotate(
                Level::Error,
                Some("OctaGit: no fix"),
                &crate::report::action::no_fix_annotation(record),
            );
        }
    }
}

struct Prepared {
    inputs: ActionInputs,
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

impl From<crate::github::event::EventIssue> for WorkIssue {
    fn from(i: crate::github::event::EventIssue) -> Self {
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
}

fn current_branch(repo: &Path) -> Option<String> {
    let r = git2::Repository::open(repo).ok()?;
    let head = r.head().ok()?;
    head.shorthand()
        .ok()
        .filter(|s| *s != "HEAD")
        .map(str::to_string)
}
