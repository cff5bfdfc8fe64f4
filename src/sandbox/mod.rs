//! Isolation for the commands the agent causes to run (setup, baseline, `run_tests`, the
//! final gate): code a model wrote runs there, on text a stranger wrote, so it must not
//! reach a credential, the runner's files or the commit.
//!
//! Three levels, the strongest the machine allows ([`detect`]):
//! - **bubblewrap**: new PID/IPC/UTS (and user, where needed) namespaces, the filesystem
//!   read-only except the workspace, `.git/` read-only, a private `/tmp`, and no network
//!   for the test command unless `test_network: true` ([`bwrap`]);
//! - **separate user**: when namespaces are refused but we are root, the command runs as
//!   an unprivileged uid that cannot read our `/proc/<pid>/environ` or memory, cannot
//!   write `.git/` or the runner's files, and whose leftovers are removed ([`user`]);
//! - **none**: the command runs as we do; only the allowlisted environment protects.
//!
//! Every level gets the allowlisted environment of [`env`]. The pipeline chooses the
//! policy once per run ([`scope`]) and [`crate::process`] applies it to each command, so
//! no caller in between (gate, tools) needs to know.

pub mod bwrap;
pub mod credentials;
pub mod detect;
pub mod env;
pub mod user;

use std::future::Future;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use detect::{Isolation, Level, detect};

/// What a command is for: setup keeps the network (installs need it), tests do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    Test,
}

/// The run's choice, applied by [`crate::process`] to every command under `workspace`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub isolation: Isolation,
    /// The repository root: read-write inside the sandbox (except `.git/`).
    pub workspace: PathBuf,
    /// `test_network: true`: the test command keeps the network.
    pub test_network: bool,
    /// Extra variable names the config lets through (`pass_env`), never a credential.
    pub pass_env: Vec<String>,
}

impl Policy {
    /// The level as the reports say it: "bubblewrap, no network" / "separate user" /
    /// "none: <why>".
    pub fn label(&self) -> String {
        match self.isolation.level {
            Level::Bubblewrap if self.test_network => "bubblewrap, network on".into(),
            Level::Bubblewrap => "bubblewrap, no network".into(),
            Level::SeparateUser => "separate user, network open".into(),
            Level::None => format!(
                "none: {}",
                self.isolation.reason.as_deref().unwrap_or("not isolated")
            ),
        }
    }

    /// What goes into `run.json`.
    pub fn record(&self) -> SandboxRecord {
        SandboxRecord {
            level: self.isolation.level,
            label: self.label(),
            reason: self.isolation.reason.clone(),
            test_network: match self.isolation.level {
                Level::Bubblewrap => self.test_network,
                _ => true,
            },
            secrets_handed_off: crate::secret_handoff::handed_off(),
            ..Default::default()
        }
    }
}

/// The isolation of a run, for `run.json`, the summary and the HTML report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SandboxRecord {
    pub level: Level,
    /// "bubblewrap, no network", "separate user, network open", "none: <why>".
    pub label: String,
    /// Why a stronger level was not available.
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether the test command could reach the network.
    #[serde(default)]
    pub test_network: bool,
    /// Whether the credentials left the process environment at start (re-exec).
    #[serde(default)]
    pub secrets_handed_off: bool,
    /// Persisted credentials taken out of the checkout's git config for the run.
    #[serde(default)]
    pub credentials_removed: Vec<String>,
    /// The protected globs of the run: never committed, whoever wrote them.
    #[serde(default)]
    pub protected_paths: Vec<String>,
    /// Files the commands changed in the tree that are not the agent's edits: left out
    /// of the commit.
    #[serde(default)]
    pub left_out: Vec<String>,
    /// Files the agent edited that its commands rewrote afterwards: put back to the
    /// agent's content before the commit, and the gate run again on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<String>,
}

tokio::task_local! {
    static POLICY: Policy;
    static PURPOSE: Purpose;
}

/// Run `f` with `policy` applied to every command it starts.
pub async fn scope<F: Future>(policy: Policy, f: F) -> F::Output {
    POLICY.scope(policy, f).await
}

/// Run `f` as setup: the network stays on (dependency installs need it).
pub async fn as_setup<F: Future>(f: F) -> F::Output {
    PURPOSE.scope(Purpose::Setup, f).await
}

/// The policy in force for the current task, if any, and what the command is for.
pub fn current() -> Option<(Policy, Purpose)> {
    let policy = POLICY.try_with(|p| p.clone()).ok()?;
    let purpose = PURPOSE.try_with(|p| *p).unwrap_or(Purpose::Test);
    Some((policy, purpose))
}

/// The policy for a run in `workspace` with the given config, detected once.
pub fn policy_for(workspace: &std::path::Path, cfg: &crate::config::Config) -> Policy {
    Policy {
        isolation: detect(),
        workspace: workspace.to_path_buf(),
        test_network: cfg.test_network,
        pass_env: cfg.pass_env.clone(),
    }
}

/// Everything a run sets up before its first command and undoes after its last: the
/// checkout's credentials out of the git config (restored on drop, also on an early
/// return or a panic) and the isolation policy.
pub struct RunGuard {
    pub policy: Policy,
    protected_paths: Vec<String>,
    credentials: credentials::CredentialScrub,
}

impl RunGuard {
    pub fn begin(workspace: &std::path::Path, cfg: &crate::config::Config) -> RunGuard {
        RunGuard {
            credentials: credentials::CredentialScrub::take(workspace),
            policy: policy_for(workspace, cfg),
            protected_paths: cfg.protected_paths.clone(),
        }
    }

    /// Say in the record how this run is isolated, and warn when it is not.
    pub fn apply(&self, record: &mut crate::run_record::RunRecord) {
        let mut r = self.policy.record();
        r.credentials_removed = self.credentials.removed.clone();
        r.protected_paths = self.protected_paths.clone();
        if self.policy.isolation.level == Level::None {
            record.warnings.push(format!(
                "the commands ran without isolation ({}): code the model wrote could read the files of this user and reach the network",
                r.reason.as_deref().unwrap_or("no sandbox available")
            ));
        }
        record
            .warnings
            .extend(env::refused_pass_env(&self.policy.pass_env));
        record.sandbox = Some(r);
    }

    /// Run `f` with this guard's policy applied to every command it starts.
    pub async fn run<F: Future>(&self, f: F) -> F::Output {
        scope(self.policy.clone(), f).await
    }
}

/// Before publishing: list what the commands changed that is not the agent's work.
pub fn note_left_out(record: &mut crate::run_record::RunRecord, repo: &std::path::Path) {
    let left = crate::git::left_out(repo, &record.files_edited);
    if let Some(sb) = record.sandbox.as_mut() {
        sb.left_out = left;
    }
}
