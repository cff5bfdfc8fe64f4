//! The engine every door calls: Task → Index → Audit → Baseline → Agent loop → Gate →
//! Publish, with the run record written after every stage and the reports rendered at the
//! end, whatever happened.
//!
//! The shape makes the north star hold by construction: `run` calls [`stages::all`], whose
//! stages return `Result<_, EarlyEnd>` (the record already says why), and then calls
//! [`finish::finish`] exactly once. A panic in any stage is caught at that one boundary and
//! ends the run as class `internal`, with every artefact still written.

mod agent;
mod audit;
mod baseline;
mod drift;
mod finish;
mod index;
mod stages;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use futures::FutureExt;

use crate::chain::Hop;
use crate::cli::exit;
use crate::config::Config;
use crate::failure::FailureClass;
use crate::index::{ContextGraph, Index};
use crate::provider::ProviderEnv;
use crate::publish::PublishTarget;
use crate::run_record::{RunRecord, StageRecord, StageStatus, TaskInfo};

/// The issue as the door received it (untrusted).
#[derive(Debug, Clone, Default)]
pub struct Issue {
    pub number: Option<u64>,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
}

impl Issue {
    /// Parse an issue file: the first non-empty line is the title (a leading `#` is
    /// dropped), the rest is the body.
    pub fn from_text(text: &str) -> Issue {
        let mut lines = text.lines();
        let title = lines
            .by_ref()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .trim_start_matches('#')
            .trim()
            .to_string();
        let body = lines.collect::<Vec<_>>().join("\n").trim().to_string();
        Issue {
            title,
            body,
            ..Default::default()
        }
    }
}

/// Told at each stage, for progress comments (action) and notifications (MCP).
pub trait ProgressSink: Send {
    fn stage(&mut self, record: &RunRecord, stage: &str);
}

/// A sink that forwards stage events to an async consumer.
pub struct ChannelProgress(pub tokio::sync::mpsc::UnboundedSender<(String, RunRecord)>);

impl ProgressSink for ChannelProgress {
    fn stage(&mut self, record: &RunRecord, stage: &str) {
        let _ = self.0.send((stage.to_string(), record.clone()));
    }
}

pub struct RunOptions {
    /// Where artefacts go; default `<repo>/.octagit/run-<timestamp>`.
    pub out_dir: Option<PathBuf>,
    /// cli, action, mcp, demo.
    pub origin: String,
    pub demo: bool,
    /// Skip the audit and use the configured chain as is.
    pub no_audit: bool,
    /// Hops to use instead of resolving the chain (demo and tests: scripted models).
    pub hops: Option<Vec<Hop>>,
    pub provider_env: Option<ProviderEnv>,
    /// Push and open a draft PR when the gate passes; push a -wip branch when it does not.
    pub publish: Option<PublishTarget>,
    pub progress: Option<Box<dyn ProgressSink>>,
    pub cancel: Arc<AtomicBool>,
    /// Index cache directory; default the user cache dir.
    pub index_cache: Option<PathBuf>,
    /// Where the test command came from, for the record (`config`, `flag`, `input`).
    pub test_command_source: Option<String>,
    pub repo_slug: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            out_dir: None,
            origin: "cli".into(),
            demo: false,
            no_audit: false,
            hops: None,
            provider_env: None,
            publish: None,
            progress: None,
            cancel: Arc::new(AtomicBool::new(false)),
            index_cache: None,
            test_command_source: None,
            repo_slug: None,
        }
    }
}

pub struct RunOutcome {
    pub record: RunRecord,
    pub dir: PathBuf,
    pub exit_code: i32,
}

/// A stage ended the run early. The record already carries the failure; this only says
/// which exit code the run ends with. `finish` still runs (it is the caller's next step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EarlyEnd {
    pub code: i32,
}

impl EarlyEnd {
    pub(crate) fn with(code: i32) -> Self {
        EarlyEnd { code }
    }
}

/// Tokens of repo map handed to the model in the first prompt.
const REPO_MAP_TOKENS: usize = 2_000;

pub(crate) struct Stage {
    name: &'static str,
    started: Instant,
}

/// The run directory: created, and kept out of git's view with its own `.gitignore`.
pub fn prepare_dir(repo: &Path, out: Option<&Path>) -> std::io::Result<PathBuf> {
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => {
            let base = repo.join(".octagit");
            std::fs::create_dir_all(&base)?;
            // Everything under .octagit is ours, never part of a commit.
            let ignore = base.join(".gitignore");
            if !ignore.exists() {
                std::fs::write(&ignore, "*\n")?;
            }
            base.join(format!(
                "run-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
            ))
        }
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Everything `finish` needs, owned in one place so that it is still there after a stage
/// returned early or panicked.
pub(crate) struct Run {
    pub repo: PathBuf,
    pub dir: PathBuf,
    pub record: RunRecord,
    pub progress: Option<Box<dyn ProgressSink>>,
    pub publish: Option<PublishTarget>,
    pub started: Instant,
    /// The stage currently running, for the `internal` failure a panic becomes.
    pub current: Option<&'static str>,
    pub graph: Option<ContextGraph>,
    pub index: Option<Index>,
    /// Who writes the post-mortem (the cheapest hop that answered), if anyone; priced,
    /// so its call counts in the run's cost.
    pub advisor: Option<crate::chain::Hop>,
    /// The run's `max_cost_usd`, which the advisor's call obeys too.
    pub max_cost_usd: f64,
    /// What the agent's tools last wrote to each edited file (set by the agent stage).
    pub pins: crate::agent::tools::ContentPins,
}

impl Run {
    pub(crate) fn begin(&mut self, name: &'static str) -> Stage {
        self.current = Some(name);
        fault_point(name);
        Stage {
            name,
            started: Instant::now(),
        }
    }

    pub(crate) fn end(&mut self, stage: Stage, status: StageStatus, note: Option<String>) {
        self.current = None;
        self.record.stages.push(StageRecord {
            name: stage.name.to_string(),
            status,
            duration_ms: u64::try_from(stage.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            note: note.map(|n| crate::secret::redact(&n)),
        });
        self.save();
        if let Some(p) = self.progress.as_mut() {
            p.stage(&self.record, stage.name);
        }
    }

    pub(crate) fn save(&self) {
        if let Err(e) = self.record.write(&self.dir) {
            tracing::warn!("cannot write run.json: {e}");
        }
    }

    /// Write the context graph and the terrain, and draw the heatmap into the record.
    pub(crate) fn write_graph(&mut self) {
        if let (Some(g), Some(idx)) = (self.graph.as_ref(), self.index.as_ref()) {
            let _ = g.write(&self.dir.join("context-graph.json"));
            let svg = crate::terrain::render_svg(idx, Some(g));
            let _ = std::fs::write(self.dir.join("terrain.svg"), svg);
            if let Some(i) = self.record.index.as_mut() {
                i.heatmap = Some(crate::terrain::heatmap_text(idx, Some(g), 48, 12));
            }
        }
    }
}

/// A scripted hop replays a canned transcript: such a run is a demo whichever door started
/// it, so every report says DEMO.
fn has_scripted_hop(cfg: &Config, hops: Option<&[Hop]>) -> bool {
    let scripted = crate::provider::ProviderKind::Scripted;
    match hops {
        Some(hops) => hops.iter().any(|h| h.client.provider() == scripted),
        None => cfg
            .fallback_chain
            .iter()
            .any(|s| crate::provider::parse_slug(s).is_ok_and(|m| m.provider == scripted)),
    }
}

pub async fn run(repo: &Path, issue: Issue, cfg: Config, opts: RunOptions) -> RunOutcome {
    let root = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    // Credentials out of the checkout and the sandbox chosen before any command runs;
    // the guard puts the git config back when the run ends, however it ends.
    let guard = crate::sandbox::RunGuard::begin(&root, &cfg);
    guard.run(run_guarded(repo, issue, cfg, opts, &guard)).await
}

async fn run_guarded(
    repo: &Path,
    issue: Issue,
    cfg: Config,
    mut opts: RunOptions,
    guard: &crate::sandbox::RunGuard,
) -> RunOutcome {
    let started = Instant::now();
    opts.demo = opts.demo || has_scripted_hop(&cfg, opts.hops.as_deref());
    let repo = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    let dir = match prepare_dir(&repo, opts.out_dir.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            // Nowhere to write: the one case that cannot leave artefacts, so say where.
            let mut record = RunRecord::new("unwritten", TaskInfo::default(), opts.demo);
            record.fail(
                FailureClass::Config,
                format!("cannot create the run directory: {e}; pass a writable --out"),
                e.to_string(),
            );
            return RunOutcome {
                record,
                dir: PathBuf::new(),
                exit_code: exit::USAGE,
            };
        }
    };
    let run_id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let task = TaskInfo {
        repo_path: repo.display().to_string(),
        repo_slug: opts
            .repo_slug
            .clone()
            .or_else(|| opts.publish.as_ref().map(|p| p.repo_slug.clone())),
        issue_number: issue.number,
        issue_title: issue.title.clone(),
        issue_url: issue.url.clone(),
        base_branch: cfg.base_branch.clone().or_else(|| current_branch(&repo)),
        origin: opts.origin.clone(),
    };
    let mut run = Run {
        repo,
        dir,
        record: RunRecord::new(run_id, task, opts.demo),
        progress: opts.progress.take(),
        publish: opts.publish.take(),
        started,
        current: None,
        graph: None,
        index: None,
        advisor: None,
        max_cost_usd: cfg.max_cost_usd,
        pins: Default::default(),
    };
    guard.apply(&mut run.record);

    // The one boundary: whatever the stages do (return early, or panic), `finish` runs
    // once, below.
    let outcome = std::panic::AssertUnwindSafe(stages::all(&mut run, issue, &cfg, opts))
        .catch_unwind()
        .await;
    let code = match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(early)) => early.code,
        Err(payload) => {
            record_panic(&mut run, payload.as_ref());
            exit::NO_FIX
        }
    };
    finish::finish(run, code).await
}

/// A panic is a bug in OctaGit, not the user's fault: say so, keep its message, and let
/// `finish` write everything as for any other failure.
fn record_panic(run: &mut Run, payload: &(dyn std::any::Any + Send)) {
    let msg = panic_message(payload);
    let stage = run.current.take().unwrap_or("pipeline");
    run.record.stages.push(StageRecord {
        name: stage.to_string(),
        status: StageStatus::Failed,
        duration_ms: 0,
        note: Some(crate::secret::redact(&format!("panicked: {msg}"))),
    });
    // An earlier failure (say, the provider error that led here) stays as the warning's
    // context; the run's class is `internal` because OctaGit itself broke.
    let previous = run.record.failure.take();
    if let Some(p) = previous.as_ref() {
        run.record
            .warnings
            .push(format!("before the panic: {}: {}", p.class, p.message));
    }
    run.record.status = crate::run_record::RunStatus::Running;
    run.record.fail(
        FailureClass::Internal,
        format!(
            "OctaGit hit a bug in the {stage} stage and stopped; the artefacts so far are kept. Please report it with run.json attached"
        ),
        format!("panic in stage {stage}: {msg}"),
    );
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".into()
    }
}

/// Debug builds only: `OCTAGIT_FAULT_PANIC=<stage>` panics at the start of that stage, so
/// the integration tests can prove a panic anywhere still leaves every artefact. Release
/// builds compile this to nothing.
fn fault_point(stage: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("OCTAGIT_FAULT_PANIC").is_ok_and(|s| s == stage) {
        panic!("injected fault in stage {stage} (OCTAGIT_FAULT_PANIC)");
    }
    #[cfg(not(debug_assertions))]
    let _ = stage;
}

fn current_branch(repo: &Path) -> Option<String> {
    let r = git2::Repository::open(repo).ok()?;
    let head = r.head().ok()?;
    head.shorthand().ok().map(str::to_string)
}
