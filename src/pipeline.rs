//! The engine every door calls: Task → Index → Audit → Agent loop → Gate → Publish, with
//! the run record written after every stage and the reports rendered at the end, whatever
//! happened. No stage returns early without the artefacts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::agent::run_loop::{AgentLoop, GateSpec, Limits, LoopEnd};
use crate::agent::tools::Tools;
use crate::agent::trajectory::Trajectory;
use crate::agent::workspace::Workspace;
use crate::audit::{self, AuditInput};
use crate::chain::{ChainWalker, Hop, RetryPolicy};
use crate::cli::exit;
use crate::config::Config;
use crate::failure::FailureClass;
use crate::gate::{Gate, GateCommand};
use crate::index::{self, ContextGraph, IndexOptions};
use crate::provider::{ModelClient, ProviderEnv};
use crate::publish::PublishTarget;
use crate::run_record::{
    IndexSummary, RankedEntry, RunRecord, RunStatus, StageRecord, StageStatus, TaskInfo,
};

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

/// Tokens of repo map handed to the model in the first prompt.
const REPO_MAP_TOKENS: usize = 2_000;

struct Stage {
    name: &'static str,
    started: Instant,
}

fn begin(name: &'static str) -> Stage {
    Stage {
        name,
        started: Instant::now(),
    }
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

struct Run {
    repo: PathBuf,
    dir: PathBuf,
    record: RunRecord,
    progress: Option<Box<dyn ProgressSink>>,
}

impl Run {
    fn end(&mut self, stage: Stage, status: StageStatus, note: Option<String>) {
        self.record.stages.push(StageRecord {
            name: stage.name.to_string(),
            status,
            duration_ms: stage.started.elapsed().as_millis() as u64,
            note: note.map(|n| crate::secret::redact(&n)),
        });
        self.save();
        if let Some(p) = self.progress.as_mut() {
            p.stage(&self.record, stage.name);
        }
    }

    fn save(&self) {
        if let Err(e) = self.record.write(&self.dir) {
            tracing::warn!("cannot write run.json: {e}");
        }
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
    opts: RunOptions,
    guard: &crate::sandbox::RunGuard,
) -> RunOutcome {
    let started = Instant::now();
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
        repo: repo.clone(),
        dir: dir.clone(),
        record: RunRecord::new(run_id, task, opts.demo),
        progress: opts.progress,
    };
    guard.apply(&mut run.record);

    // Task: the issue is untrusted; strip what a reader would not see.
    let stage = begin("task");
    let title = crate::sanitize::sanitize(&issue.title);
    let body = crate::sanitize::sanitize(&issue.body);
    run.record.sanitized = title
        .removed
        .iter()
        .map(|r| format!("title: {r}"))
        .chain(body.removed.iter().map(|r| format!("body: {r}")))
        .collect();
    run.end(stage, StageStatus::Ok, None);

    // Index: where to look, and the map of the repo for the reports.
    let stage = begin("index");
    let issue_text = format!("{}\n{}", title.text, body.text);
    let cache_dir = opts
        .index_cache
        .clone()
        .or_else(|| index::default_cache_dir(&repo));
    let (repo_map, mut graph, idx) = match index::build(
        &repo,
        &IndexOptions {
            cache_dir,
            ..Default::default()
        },
    ) {
        Ok(idx) => {
            let ranked = index::rank(&idx, &issue_text);
            let map = index::repo_map(&idx, &ranked, REPO_MAP_TOKENS);
            let graph = ContextGraph::new(&idx, &ranked);
            run.record.index = Some(IndexSummary {
                files: idx.stats.files,
                parsed: idx.stats.parsed,
                cached: idx.stats.cached,
                skipped: idx.stats.skipped,
                symbols: idx.stats.symbols,
                duration_ms: idx.stats.duration_ms,
                ranked: ranked
                    .iter()
                    .take(10)
                    .map(|r| RankedEntry {
                        path: r.path.clone(),
                        score: r.score,
                        reason: r.reason.clone(),
                    })
                    .collect(),
                // Drawn with the terrain by `write_graph` just below.
                heatmap: None,
            });
            run.end(
                stage,
                StageStatus::Ok,
                Some(format!(
                    "{} files, {} symbols",
                    idx.stats.files, idx.stats.symbols
                )),
            );
            (map, Some(graph), Some(idx))
        }
        Err(e) => {
            run.record.warnings.push(format!("index: {e}"));
            run.end(stage, StageStatus::Failed, Some(e.to_string()));
            (String::new(), None, None)
        }
    };
    let write_graph = |graph: &Option<ContextGraph>, run: &mut Run| {
        if let (Some(g), Some(idx)) = (graph, idx.as_ref()) {
            let _ = g.write(&run.dir.join("context-graph.json"));
            let svg = crate::terrain::render_svg(idx, Some(g));
            let _ = std::fs::write(run.dir.join("terrain.svg"), svg);
            if let Some(i) = run.record.index.as_mut() {
                i.heatmap = Some(crate::terrain::heatmap_text(idx, Some(g), 48, 12));
            }
        }
    };
    write_graph(&graph, &mut run);

    // The gate's command: config/flags first, else detected.
    let (test_command, source) = match &cfg.test_command {
        Some(c) => (
            Some(c.clone()),
            opts.test_command_source
                .clone()
                .unwrap_or_else(|| "config".into()),
        ),
        None => match crate::gate::detect(&repo) {
            Some(g) => (Some(g.command), g.source),
            None => (None, "none found".into()),
        },
    };
    run.record.gate.command = test_command.clone();
    run.record.gate.source = Some(source);
    run.record.gate.setup_command = cfg.setup_command.clone();

    // Audit: which hops can do this now.
    let stage = begin("audit");
    let system = crate::agent::prompt::system_prompt(test_command.as_deref());
    let first_user = crate::agent::prompt::first_message(&title.text, &body.text, &repo_map);
    let env = opts
        .provider_env
        .clone()
        .unwrap_or_else(|| ProviderEnv::from_process(cfg.providers.clone()));
    let mut env = env;
    env.request_timeout = Some(Duration::from_secs(cfg.request_timeout_secs));
    let hops = match opts.hops {
        Some(h) => {
            run.end(
                stage,
                StageStatus::Skipped,
                Some("hops given by the caller".into()),
            );
            h
        }
        None => {
            let hops =
                resolve_hops(&mut run, &cfg, &env, opts.no_audit, &system, &first_user).await;
            run.end(
                stage,
                if hops.is_empty() {
                    StageStatus::Failed
                } else {
                    StageStatus::Ok
                },
                None,
            );
            hops
        }
    };
    if hops.is_empty() {
        let (msg, raw) = no_model_message(&run.record);
        run.record.fail(FailureClass::NoModel, msg, raw);
        return finish(
            run,
            graph.as_ref(),
            None,
            opts.publish.as_ref(),
            started,
            exit::NO_MODEL,
        )
        .await;
    }
    // Before any model call, the audit's ranking is the best knowledge of who answers.
    let advisor_hop = if run.record.audit.is_some() {
        cheapest(&hops)
    } else {
        None
    };

    if test_command.is_none() {
        run.record.fail(
            FailureClass::Config,
            "no test command: OctaGit found no Cargo.toml, pytest config, package.json test script, go.mod or Makefile test target, so it cannot check a fix",
            "gate: no test command configured or detected",
        );
        return finish(
            run,
            graph.as_ref(),
            advisor_hop.as_ref(),
            opts.publish.as_ref(),
            started,
            exit::USAGE,
        )
        .await;
    }

    // Baseline: what already fails before any edit.
    let stage = begin("baseline");
    let test_timeout = Duration::from_secs(cfg.test_timeout_secs);
    if let Some(setup) = &cfg.setup_command {
        let s = crate::sandbox::as_setup(crate::gate::run_tests(&repo, setup, test_timeout)).await;
        let ok = s.success;
        run.record.gate.setup = Some(s);
        if !ok {
            run.record.fail(
                FailureClass::Config,
                format!("the setup command `{setup}` failed"),
                run.record
                    .gate
                    .setup
                    .as_ref()
                    .map(|s| s.output_tail.clone())
                    .unwrap_or_default(),
            );
            run.end(stage, StageStatus::Failed, None);
            return finish(
                run,
                graph.as_ref(),
                advisor_hop.as_ref(),
                opts.publish.as_ref(),
                started,
                exit::NO_FIX,
            )
            .await;
        }
    }
    let cmd = test_command.clone().unwrap_or_default();
    run.record.gate.allow_test_changes = cfg.allow_test_changes;
    let baseline = crate::gate::run_baseline(&repo, &cmd, test_timeout, &mut run.record.gate).await;
    // A command that cannot run a single test cannot judge a fix: stop before any model
    // turn (and without the advisor model), as a config problem.
    if let Some((message, raw)) = crate::gate::cannot_run(&run.record.gate) {
        run.record.fail(FailureClass::Config, message, raw);
        run.end(stage, StageStatus::Failed, None);
        return finish(
            run,
            graph.as_ref(),
            None,
            opts.publish.as_ref(),
            started,
            exit::USAGE,
        )
        .await;
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

    // The agent loop.
    let stage = begin("agent");
    // The transcript and the confinement layer: without either the agent must not start.
    let setup = Trajectory::create(&run.dir)
        .map_err(|e| format!("cannot write the transcript: {e}"))
        .and_then(|t| {
            Workspace::new(&repo, &cfg.protected_paths)
                .map(|ws| (t, ws))
                .map_err(|e| format!("cannot confine the workspace: {e}"))
        });
    let (mut trajectory, workspace) = match setup {
        Ok(s) => s,
        Err(message) => {
            run.record
                .fail(FailureClass::Internal, message.clone(), message);
            return finish(
                run,
                graph.as_ref(),
                advisor_hop.as_ref(),
                opts.publish.as_ref(),
                started,
                exit::NO_FIX,
            )
            .await;
        }
    };
    let mut tools = Tools::new(workspace).with_gate(Some(Gate::new(
        &repo,
        GateCommand {
            command: cmd.clone(),
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
        let graph_ref = graph.as_mut();
        let mut agent = AgentLoop {
            walker: &mut walker,
            tools: &mut tools,
            trajectory: &mut trajectory,
            graph: graph_ref,
            record: &mut run.record,
            dir: &dir,
            repo: &repo,
            limits: Limits {
                max_turns: cfg.max_turns,
                max_cost_usd: cfg.max_cost_usd,
                deadline: started + Duration::from_secs(cfg.max_minutes as u64 * 60),
                hallucination_threshold: 3,
                no_progress_turns: 5,
                test_timeout,
            },
            gate: GateSpec {
                command: Some(cmd.clone()),
                baseline: Some(baseline.clone()),
            },
            cancel: opts.cancel.clone(),
        };
        agent.run(system, first_user).await
    };
    run.record.hops = walker.attempts().to_vec();
    let advisor_hop = crate::chain::advisor_hop(walker.hops(), walker.attempts());
    let agent_note = match &end {
        LoopEnd::Finished { .. } => "finished".to_string(),
        LoopEnd::Limit { what } => what.clone(),
        LoopEnd::Exhausted(e) => e.to_string(),
        LoopEnd::Hallucination { detail } => detail.clone(),
        LoopEnd::Stuck { detail, .. } => detail.clone(),
        LoopEnd::Cancelled => "cancelled".into(),
    };
    let ok = matches!(end, LoopEnd::Finished { .. });
    run.end(
        stage,
        if ok {
            StageStatus::Ok
        } else {
            StageStatus::Failed
        },
        Some(agent_note),
    );
    write_graph(&graph, &mut run);

    // Gate (after): the loop ran it on `finish`; a run that stopped early with edits gets
    // one run here so the reports can say where it stands.
    let stage = begin("gate");
    if !ok
        && !run.record.files_edited.is_empty()
        && run.record.gate.after.is_none()
        && !matches!(end, LoopEnd::Cancelled)
    {
        let after = crate::gate::run_tests(&repo, &cmd, test_timeout).await;
        let policy = crate::gate::Policy::from_record(&run.record.gate);
        let v = crate::gate::judge(Some(&baseline), &after, &policy);
        run.record.gate.after = Some(after);
        run.record.gate.passed = Some(v.passed);
        run.record.gate.verdict = Some(v.why);
        run.record.gate.comparisons = v.comparisons;
    }
    // The agent's test edits, and its tests re-run against the original code.
    if !run.record.files_edited.is_empty() && !matches!(end, LoopEnd::Cancelled) {
        crate::gate::proof::examine(&repo, &cmd, test_timeout, &mut run.record).await;
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
    }
    crate::gate::reclassify(&mut run.record);
    run.end(
        stage,
        if ok {
            StageStatus::Ok
        } else {
            StageStatus::Skipped
        },
        run.record.gate.verdict.clone(),
    );

    let code = if ok { exit::OK } else { exit::NO_FIX };
    finish(
        run,
        graph.as_ref(),
        advisor_hop.as_ref(),
        opts.publish.as_ref(),
        started,
        code,
    )
    .await
}

/// The last part of every run: diff, advisor, reports, publish, final record.
async fn finish(
    mut run: Run,
    graph: Option<&ContextGraph>,
    advisor: Option<&ModelClient>,
    publish: Option<&PublishTarget>,
    started: Instant,
    mut code: i32,
) -> RunOutcome {
    if let Some(g) = graph {
        let _ = g.write(&run.dir.join("context-graph.json"));
    }
    let mut leaks_secret = false;
    // The agent's edits only: what the commands changed besides is listed, not published.
    crate::sandbox::note_left_out(&mut run.record, &run.repo);
    match crate::diff::workdir_diff_raw_paths(&run.repo, &run.record.files_edited) {
        Ok((raw, stat)) => {
            // The run directory lives inside the repo when --out is not given; it is
            // ignored by its own .gitignore, so it never shows up here.
            if stat.files > 0 {
                leaks_secret = crate::secret::contains_secret(&raw);
                let diff = crate::secret::redact(&raw);
                let _ = std::fs::write(run.dir.join("patch.diff"), &diff);
                run.record.diff = Some(diff);
                run.record.diff_stat = Some(stat);
            }
        }
        Err(e) => run.record.warnings.push(format!("diff: {e}")),
    }
    if run.record.status == RunStatus::Running {
        run.record.status = RunStatus::Success;
    }
    if run.record.status == RunStatus::Success && run.record.diff_stat.is_none() {
        run.record.fail(
            FailureClass::Hallucination,
            "the model finished without changing any file",
            "empty diff",
        );
        code = exit::NO_FIX;
    }

    // Publish before the advisor so its note can speak of the PR or the kept branch.
    if leaks_secret {
        // A pushed commit cannot be redacted: keep the work local and say why.
        run.record.fail(
            FailureClass::Publish,
            "the change contains what looks like a secret (a registered credential, a token or a private key), so nothing was pushed",
            "secret scan of the diff before publishing",
        );
        code = exit::NO_FIX;
    }
    if let Some(target) = publish.filter(|_| !leaks_secret) {
        let stage = begin("publish");
        let has_edits = run.record.diff_stat.is_some();
        if run.record.status == RunStatus::Success || has_edits {
            let p = crate::publish::publish(&run.repo, &run.record, target).await;
            let failed = p.error.is_some();
            if failed && run.record.status == RunStatus::Success {
                run.record.fail(
                    FailureClass::Publish,
                    p.error.clone().unwrap_or_default(),
                    p.notes.join("; "),
                );
                code = exit::NO_FIX;
            }
            run.record.publish = Some(p);
            run.end(
                stage,
                if failed {
                    StageStatus::Failed
                } else {
                    StageStatus::Ok
                },
                None,
            );
        } else {
            run.end(
                stage,
                StageStatus::Skipped,
                Some("nothing to publish".into()),
            );
        }
    }

    let stage = begin("report");
    run.record.advice = Some(crate::advisor::advise(&run.record, advisor).await);
    run.record.finished_at = Some(chrono::Utc::now());
    run.record.artefacts = artefact_names(&run.dir);
    run.save();
    match crate::report::write_all(&run.record, &run.dir) {
        Ok(files) => {
            for f in files {
                if !run.record.artefacts.contains(&f) {
                    run.record.artefacts.push(f);
                }
            }
        }
        Err(e) => run.record.warnings.push(format!("reports: {e}")),
    }
    run.end(
        stage,
        StageStatus::Ok,
        Some(format!("{:.1} s in all", started.elapsed().as_secs_f64())),
    );
    RunOutcome {
        record: run.record,
        dir: run.dir,
        exit_code: code,
    }
}

fn artefact_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    if !names.contains(&"run.json".to_string()) {
        names.push("run.json".into());
    }
    names.sort();
    names
}

/// Resolve the chain: through the audit, or as given with `--no-audit`.
async fn resolve_hops(
    run: &mut Run,
    cfg: &Config,
    env: &ProviderEnv,
    no_audit: bool,
    system: &str,
    first_user: &str,
) -> Vec<Hop> {
    if no_audit && !cfg.fallback_chain.is_empty() {
        return cfg
            .fallback_chain
            .iter()
            .filter_map(|s| match ModelClient::resolve(s, env) {
                Ok(c) => Some(Hop::new(c)),
                Err(e) => {
                    run.record.warnings.push(format!("{s}: {e}"));
                    None
                }
            })
            .collect();
    }
    let specs = crate::agent::tools::specs();
    let input = AuditInput {
        candidates: cfg.fallback_chain.clone(),
        user_chain: !cfg.fallback_chain.is_empty(),
        prompt_tokens: audit::estimate_first_prompt(system, first_user, "", &specs),
        est_turns: cfg.max_turns.min(15),
        env: env.clone(),
        pricing: audit::pricing::PricingOptions::from_vars(&env.vars),
        first_prompt: Some(audit::FirstPrompt {
            system: system.to_string(),
            user: first_user.to_string(),
            tools: specs.clone(),
        }),
    };
    let report = audit::run_audit(&input).await;
    let hops = report
        .chain
        .iter()
        .filter_map(|slug| {
            let cand = report.candidates.iter().find(|c| &c.slug == slug)?;
            let client = ModelClient::resolve(slug, env).ok()?;
            Some(Hop {
                client,
                context_window: cand.context_window,
                price_in: cand.input_per_mtok.unwrap_or(0.0) / 1e6,
                price_out: cand.output_per_mtok.unwrap_or(0.0) / 1e6,
            })
        })
        .collect();
    run.record.audit = Some(report);
    hops
}

/// The cheapest hop (per output token), for the advisor's few hundred tokens.
fn cheapest(hops: &[Hop]) -> Option<ModelClient> {
    hops.iter()
        .min_by(|a, b| {
            a.price_out
                .partial_cmp(&b.price_out)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|h| h.client.clone())
}

fn no_model_message(record: &RunRecord) -> (String, String) {
    let Some(audit) = &record.audit else {
        return (
            "no model in the chain could be resolved".into(),
            record.warnings.join("; "),
        );
    };
    let raw = audit
        .candidates
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.slug,
                c.reason.clone().unwrap_or_else(|| "not viable".into())
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    ("no model can do this job now: none of the candidates is reachable, fits the prompt and supports tools".into(), raw)
}

fn current_branch(repo: &Path) -> Option<String> {
    let r = git2::Repository::open(repo).ok()?;
    let head = r.head().ok()?;
    head.shorthand().ok().map(str::to_string)
}
