//! What each MCP tool does, over the same engine as the CLI. Every function answers with a
//! [`CallToolResult`]: a readable text block plus the same facts as structured JSON, and
//! `is_error` set when the call did not do what was asked, with the one next step.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rmcp::model::{CallToolResult, ContentBlock, ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};
use serde_json::{Value, json};

use super::params::{AuditParams, OpenPrParams, RunParams, TerrainParams};
use super::source::{self, RepoSource, ToolFailure};
use crate::cli::TaskArgs;
use crate::config::{Config, LayerSource, Overrides};
use crate::index::{self, ContextGraph, IndexOptions};
use crate::pipeline::{self, ChannelProgress, RunOptions, RunOutcome};
use crate::run_record::{RunRecord, RunStatus, StageRecord, TaskInfo};

/// The diff in the text block is cut here; the structured result and patch.diff hold all.
const DIFF_TEXT_LIMIT: usize = 20_000;

/// Stages a run reports, for the progress total (publish only with `open_pr`).
const STAGES: [&str; 7] = [
    "task", "index", "audit", "baseline", "agent", "gate", "report",
];

/// Text plus structured JSON; both redacted.
pub fn answer(text: &str, data: Value, is_error: bool) -> CallToolResult {
    let text = crate::secret::redact(text);
    let data = redact_value(data);
    let mut r = if is_error {
        CallToolResult::error(vec![ContentBlock::text(text)])
    } else {
        CallToolResult::success(vec![ContentBlock::text(text)])
    };
    r.structured_content = Some(data);
    r
}

/// Every string in `v` redacted, keys included.
fn redact_value(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::secret::redact(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(redact_value).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (crate::secret::redact(&k), redact_value(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A call that could not start: the message and the next step, as text and JSON.
pub fn failure(f: &ToolFailure) -> CallToolResult {
    answer(
        &format!(
            "Error: {}.\nNext step: {}.",
            f.message.trim_end_matches('.'),
            f.next_step.trim_end_matches('.')
        ),
        json!({ "error": f.message, "next_step": f.next_step }),
        true,
    )
}

// ---------------------------------------------------------------- octagit_run

pub async fn run(p: RunParams, ctx: RequestContext<RoleServer>) -> CallToolResult {
    match prepare_run(&p).await {
        Ok((src, issue, cfg, opts)) => execute_run(src, issue, cfg, opts, ctx).await,
        Err(f) => failure(&f),
    }
}

async fn prepare_run(
    p: &RunParams,
) -> Result<(RepoSource, pipeline::Issue, Config, RunOptions), ToolFailure> {
    if p.issue_text.as_deref().is_none_or(|t| t.trim().is_empty()) && p.issue_number.is_none() {
        return Err(ToolFailure::new(
            "no issue given",
            "pass `issue_text` (first line the title), or `issue_number` with GITHUB_TOKEN set",
        ));
    }
    if p.open_pr && p.issue_number.is_none() {
        return Err(ToolFailure::new(
            "`open_pr` needs the issue number for the branch name and `Fixes #n`",
            "pass `issue_number`",
        ));
    }
    if p.open_pr && source::github_token().is_none() {
        return Err(ToolFailure::new(
            "`open_pr` needs GITHUB_TOKEN in the MCP server's environment",
            "add GITHUB_TOKEN (contents and pull-requests write) to the server's env in the client config, or call without `open_pr`",
        ));
    }
    let src = source::resolve_repo(&p.repo).await?;
    let slug = source::repo_slug(p.github_repo.as_deref(), &src);
    let issue =
        source::resolve_issue(p.issue_text.as_deref(), p.issue_number, slug.as_deref()).await?;

    let task = TaskArgs {
        repo: src.path.clone(),
        issue_file: None,
        issue: None,
        fallback_chain: p.fallback_chain.clone(),
        model: p.model.clone(),
    };
    let mut flags = crate::commands::run::flag_overrides(&task);
    flags.source = LayerSource::Mcp;
    flags.test_command = p.test_command.clone();
    flags.setup_command = p.setup_command.clone();
    flags.max_turns = p.max_turns;
    flags.max_cost_usd = p.max_cost_usd;
    flags.max_minutes = p.max_minutes;
    let (cfg, _) = Config::resolve(&src.path, &Overrides::default(), &flags).map_err(|e| {
        ToolFailure::new(
            e.to_string(),
            "fix the argument or the repository's .github/octagit.yml named in the message",
        )
    })?;
    crate::secret::register_env_secrets();

    let publish = if p.open_pr {
        let Some(slug) = slug.clone() else {
            return Err(ToolFailure::new(
                "`open_pr` cannot tell which GitHub repository to use",
                "pass `github_repo` as owner/name",
            ));
        };
        let target = crate::commands::run::publish_target(
            &src.path,
            Some(&slug),
            issue.number,
            &issue.title,
            &cfg,
        )
        .map_err(|e| {
            ToolFailure::new(
                e.to_string(),
                "pass `github_repo` and `issue_number`, with GITHUB_TOKEN set",
            )
        })?;
        Some(target)
    } else {
        None
    };
    let opts = RunOptions {
        out_dir: p.out_dir.as_ref().map(PathBuf::from),
        origin: "mcp".into(),
        no_audit: p.no_audit,
        publish,
        test_command_source: p.test_command.as_ref().map(|_| "input".to_string()),
        repo_slug: slug,
        ..Default::default()
    };
    Ok((src, issue, cfg, opts))
}

async fn execute_run(
    src: RepoSource,
    issue: pipeline::Issue,
    cfg: Config,
    mut opts: RunOptions,
    ctx: RequestContext<RoleServer>,
) -> CallToolResult {
    let total = STAGES.len() + usize::from(opts.publish.is_some());
    let forwarder = ctx.meta.get_progress_token().map(|token| {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        opts.progress = Some(Box::new(ChannelProgress(tx)));
        tokio::spawn(forward_progress(ctx.peer.clone(), token, rx, total as f64))
    });

    // notifications/cancelled cancels the request's token; the pipeline checks the flag
    // between steps and still writes every artefact.
    let cancel = Arc::new(AtomicBool::new(false));
    opts.cancel = cancel.clone();
    let ct = ctx.ct.clone();
    let watcher = tokio::spawn(async move {
        ct.cancelled().await;
        tracing::info!("octagit_run cancelled by the client; stopping after the current step");
        cancel.store(true, Ordering::Relaxed);
    });

    let repo = src.path.clone();
    // Its own task, so a panic deep in the engine becomes a tool error, not a lost reply.
    let joined = tokio::spawn(async move { pipeline::run(&repo, issue, cfg, opts).await }).await;
    watcher.abort();
    if let Some(f) = forwarder {
        // Every progress notification goes out before the result.
        let _ = f.await;
    }
    match joined {
        Ok(outcome) => run_answer(&outcome, &src),
        Err(e) => failure(&ToolFailure::new(
            format!("the run stopped unexpectedly: {e}"),
            "look for a partial run.json under <repo>/.octagit and report the bug with it",
        )),
    }
}

async fn forward_progress(
    peer: Peer<RoleServer>,
    token: ProgressToken,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<(String, RunRecord)>,
    total: f64,
) {
    let mut n = 0.0;
    while let Some((stage, record)) = rx.recv().await {
        n += 1.0;
        let param = ProgressNotificationParam::new(token.clone(), n)
            .with_total(total.max(n))
            .with_message(crate::secret::redact(&stage_message(&stage, &record)));
        if let Err(e) = peer.notify_progress(param).await {
            tracing::debug!("progress notification not sent: {e}");
        }
    }
}

/// `agent: failed (max turns reached)`.
fn stage_message(stage: &str, record: &RunRecord) -> String {
    let Some(s) = record.stages.iter().rev().find(|s| s.name == stage) else {
        return stage.to_string();
    };
    let StageRecord { status, note, .. } = s;
    let status = serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    match note {
        Some(n) if !n.is_empty() => format!("{stage}: {status} ({n})"),
        _ => format!("{stage}: {status}"),
    }
}

fn status_str(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Success => "success",
        RunStatus::Failed => "failed",
        RunStatus::Skipped => "skipped",
        RunStatus::Running => "stopped",
    }
}

/// What a run returns: status, failure class, advice, diff, PR and where the artefacts are.
pub fn run_answer(o: &RunOutcome, src: &RepoSource) -> CallToolResult {
    let r = &o.record;
    let publish = r.publish.as_ref();
    let data = json!({
        "status": status_str(r.status),
        "failure_class": r.failure.as_ref().map(|f| f.class.as_str()),
        "failure": r.failure.as_ref().map(|f| json!({ "message": f.message, "raw": f.raw })),
        "advice": r.advice.as_ref().map(|a| json!({
            "headline": a.headline, "body": a.body, "next_step": a.next_step, "author": a.author,
        })),
        "diff": r.diff,
        "diff_stat": r.diff_stat,
        "files_edited": r.files_edited,
        "tests": {
            "command": r.gate.command,
            "baseline_passed": r.gate.baseline.as_ref().map(|t| t.success),
            "after_passed": r.gate.after.as_ref().map(|t| t.success),
            "verdict": r.gate.verdict,
        },
        "pr_url": publish.and_then(|p| p.pr_url.clone()),
        "branch": publish.and_then(|p| p.branch.clone()),
        "compare_url": publish.and_then(|p| p.compare_url.clone()),
        "publish_error": publish.and_then(|p| p.error.clone()),
        "run_dir": o.dir.display().to_string(),
        "report": o.dir.join("report.html").display().to_string(),
        "repo": src.path.display().to_string(),
        "cloned_from": src.cloned_from,
        "turns": r.turns,
        "cost_usd": r.cost_usd,
        "exit_code": o.exit_code,
    });

    let mut t = String::new();
    let status = match r.status {
        RunStatus::Success => "fixed: the tests pass with the change",
        RunStatus::Failed => "not fixed",
        RunStatus::Skipped => "skipped",
        RunStatus::Running => "stopped",
    };
    t.push_str(&format!("OctaGit: {status}\n"));
    if let Some(f) = &r.failure {
        t.push_str(&format!("Why: {} ({})\n", f.message, f.class));
    }
    if let Some(a) = &r.advice {
        t.push_str(&format!(
            "\n{}\n{}\nNext step: {}\n",
            a.headline,
            a.body.trim(),
            a.next_step
        ));
    }
    if let (Some(b), Some(a)) = (&r.gate.baseline, &r.gate.after) {
        let pf = |ok: bool| if ok { "pass" } else { "fail" };
        t.push_str(&format!(
            "\nTests: before {}, after {}\n",
            pf(b.success),
            pf(a.success)
        ));
    }
    if let Some(p) = publish {
        if let Some(url) = &p.pr_url {
            t.push_str(&format!("Pull request: {url}\n"));
        } else if let Some(b) = p.branch.as_ref().filter(|_| p.pushed) {
            t.push_str(&format!("Pushed branch: {b}\n"));
        }
        if let Some(e) = &p.error {
            t.push_str(&format!("Publish: {e}\n"));
        }
    }
    t.push_str(&format!("Turns: {}, cost: ${:.4}\n", r.turns, r.cost_usd));
    if let Some(from) = &src.cloned_from {
        t.push_str(&format!("Cloned {from} into {}\n", src.path.display()));
    }
    t.push_str(&format!(
        "Run directory: {}\nReport: {}\n",
        o.dir.display(),
        o.dir.join("report.html").display()
    ));
    if let (Some(diff), Some(s)) = (&r.diff, &r.diff_stat) {
        t.push_str(&format!(
            "\nDiff ({} file(s), +{} -{}):\n```diff\n",
            s.files, s.insertions, s.deletions
        ));
        t.push_str(&cut(diff, DIFF_TEXT_LIMIT));
        if !diff.ends_with('\n') {
            t.push('\n');
        }
        t.push_str("```\n");
    }
    answer(&t, data, r.status != RunStatus::Success)
}

fn cut(s: &str, limit: usize) -> String {
    if s.len() <= limit {
        return s.to_string();
    }
    let mut end = limit;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… (cut; the whole diff is in patch.diff)\n", &s[..end])
}

// ------------------------------------------------------------ octagit_open_pr

pub async fn open_pr(p: OpenPrParams) -> CallToolResult {
    match open_pr_inner(&p).await {
        Ok(r) => r,
        Err(f) => failure(&f),
    }
}

async fn open_pr_inner(p: &OpenPrParams) -> Result<CallToolResult, ToolFailure> {
    let path = PathBuf::from(p.repo.trim());
    source::local_dir(&path)?;
    if git2::Repository::open(&path).is_err() {
        return Err(ToolFailure::new(
            format!("{} is not a git repository", path.display()),
            "pass the root of a local clone as `repo`",
        ));
    }
    if p.issue_title.trim().is_empty() {
        return Err(ToolFailure::new(
            "`issue_title` is empty",
            "pass the issue's title",
        ));
    }
    if source::github_token().is_none() {
        return Err(ToolFailure::new(
            "opening a PR needs GITHUB_TOKEN in the MCP server's environment",
            "add GITHUB_TOKEN (contents and pull-requests write) to the server's env in the client config",
        ));
    }
    let src = RepoSource {
        path: path.clone(),
        cloned_from: None,
    };
    let slug = source::repo_slug(p.github_repo.as_deref(), &src).ok_or_else(|| {
        ToolFailure::new(
            "cannot tell which GitHub repository to use",
            "pass `github_repo` as owner/name",
        )
    })?;
    let flags = Overrides {
        source: LayerSource::Mcp,
        base_branch: p.base_branch.clone(),
        ..Default::default()
    };
    let (cfg, _) = Config::resolve(&path, &Overrides::default(), &flags).map_err(|e| {
        ToolFailure::new(
            e.to_string(),
            "fix the repository's .github/octagit.yml named in the message",
        )
    })?;
    crate::secret::register_env_secrets();
    let target = crate::commands::run::publish_target(
        &path,
        Some(&slug),
        Some(p.issue_number),
        &p.issue_title,
        &cfg,
    )
    .map_err(|e| ToolFailure::new(e.to_string(), "pass `github_repo`, with GITHUB_TOKEN set"))?;

    let mut record = match &p.run_dir {
        Some(dir) => RunRecord::read(Path::new(dir)).map_err(|e| {
            ToolFailure::new(
                e,
                "pass the run directory `octagit_run` returned, or leave `run_dir` out",
            )
        })?,
        None => manual_record(&path, &slug, p),
    };
    if let Some(s) = p.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        record.finish_summary = Some(s.to_string());
    }
    if record.diff_stat.is_none()
        && let Ok((diff, stat)) = crate::diff::workdir_diff(&path)
        && stat.files > 0
    {
        record.diff = Some(diff);
        record.diff_stat = Some(stat);
    }
    let published = crate::publish::publish(&path, &record, &target).await;
    let data = json!({
        "branch": published.branch,
        "pushed": published.pushed,
        "commit": published.commit,
        "pr_url": published.pr_url,
        "pr_number": published.pr_number,
        "draft": published.draft,
        "compare_url": published.compare_url,
        "error": published.error,
        "notes": published.notes,
        "next_step": published.error.as_ref().map(|_| "follow the error's advice, then call octagit_open_pr again"),
    });
    let mut t = String::new();
    match (&published.pr_url, &published.error) {
        (Some(url), _) => t.push_str(&format!(
            "Opened {}pull request: {url}\n",
            if published.draft == Some(true) {
                "draft "
            } else {
                ""
            }
        )),
        (None, Some(e)) => t.push_str(&format!("Error: {e}\n")),
        (None, None) => t.push_str("No pull request was opened.\n"),
    }
    if let Some(b) = published.branch.as_ref().filter(|_| published.pushed) {
        t.push_str(&format!("Branch: {b}\n"));
    }
    if let Some(c) = &published.compare_url {
        t.push_str(&format!("Open it by hand: {c}\n"));
    }
    for n in &published.notes {
        t.push_str(&format!("Note: {n}\n"));
    }
    let is_error = published.error.is_some() || !published.pushed;
    Ok(answer(&t, data, is_error))
}

/// The record of edits made outside a run: counted as passing, since the caller vouches
/// for them; the PR body says no tests were run by OctaGit.
fn manual_record(repo: &Path, slug: &str, p: &OpenPrParams) -> RunRecord {
    let task = TaskInfo {
        repo_path: repo.display().to_string(),
        repo_slug: Some(slug.to_string()),
        issue_number: Some(p.issue_number),
        issue_title: p.issue_title.clone(),
        issue_url: None,
        base_branch: p.base_branch.clone(),
        origin: "mcp".into(),
    };
    let mut r = RunRecord::new(
        format!("mcp-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")),
        task,
        false,
    );
    r.status = RunStatus::Success;
    r.gate.verdict = Some(
        "OctaGit did not run the tests for this change: the edits were prepared by the caller."
            .into(),
    );
    r
}

// -------------------------------------------------------------- octagit_audit

pub async fn audit(p: AuditParams) -> CallToolResult {
    let repo = PathBuf::from(p.repo.trim());
    if let Err(f) = source::local_dir(&repo) {
        return failure(&f);
    }
    if p.issue_text.trim().is_empty() {
        return failure(&ToolFailure::new(
            "`issue_text` is empty",
            "pass the issue: first line the title, then the body",
        ));
    }
    let chain = p
        .fallback_chain
        .map(|c| {
            c.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty());
    let report =
        match crate::commands::audit::audit_report(&repo, &p.issue_text, chain, LayerSource::Mcp)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return failure(&ToolFailure::new(
                    format!("{e:#}"),
                    "fix the chain or the repository's .github/octagit.yml",
                ));
            }
        };
    let mut text = crate::commands::audit::render_table(&report);
    let none = report.chain.is_empty();
    if none {
        text.push_str(&format!(
            "\nError: no model can do this job now.\nNext step: {}.\n",
            report
                .next_step
                .as_deref()
                .unwrap_or("add a key for one provider")
                .trim_end_matches('.')
        ));
    }
    let data = serde_json::to_value(&report).unwrap_or(Value::Null);
    answer(&text, data, none)
}

// ------------------------------------------------------------ octagit_terrain

pub async fn terrain(p: TerrainParams) -> CallToolResult {
    let repo = PathBuf::from(p.repo.trim());
    if let Err(f) = source::local_dir(&repo) {
        return failure(&f);
    }
    let graph = match &p.run_dir {
        Some(d) => match ContextGraph::read(&Path::new(d).join("context-graph.json")) {
            Ok(g) => Some(g),
            Err(e) => {
                return failure(&ToolFailure::new(
                    e,
                    "pass a run directory that holds context-graph.json, or leave `run_dir` out",
                ));
            }
        },
        None => None,
    };
    let output = match &p.output {
        Some(o) => PathBuf::from(o),
        None => match ignored_dir(&repo) {
            Ok(d) => d.join("terrain.svg"),
            Err(e) => {
                return failure(&ToolFailure::new(
                    format!("cannot create {}/.octagit: {e}", repo.display()),
                    "pass a writable `output` path",
                ));
            }
        },
    };
    let opts = IndexOptions {
        cache_dir: index::default_cache_dir(&repo),
        ..IndexOptions::default()
    };
    let joined = tokio::task::spawn_blocking(
        move || -> Result<(PathBuf, usize, usize, String), ToolFailure> {
            let idx = index::build(&repo, &opts).map_err(|e| {
                ToolFailure::new(e.to_string(), "check that `repo` is a readable repository")
            })?;
            let svg = crate::terrain::render_svg(&idx, graph.as_ref());
            std::fs::write(&output, &svg).map_err(|e| {
                ToolFailure::new(
                    format!("cannot write {}: {e}", output.display()),
                    "pass an `output` path in a directory that exists and is writable",
                )
            })?;
            Ok((
                output,
                svg.len(),
                idx.stats.files,
                crate::terrain::describe_peaks(&idx, 5),
            ))
        },
    )
    .await;
    match joined {
        Ok(Ok((path, bytes, files, peaks))) => answer(
            &format!(
                "Wrote {} ({} KB, {files} files).\n{peaks}\n",
                path.display(),
                bytes.div_ceil(1024)
            ),
            json!({ "svg_path": path.display().to_string(), "bytes": bytes, "files": files, "description": peaks }),
            false,
        ),
        Ok(Err(f)) => failure(&f),
        Err(e) => failure(&ToolFailure::new(
            format!("the terrain task stopped unexpectedly: {e}"),
            "report the bug with the repository's file list",
        )),
    }
}

/// `<repo>/.octagit`, created with a `.gitignore` of `*` so nothing in it is committed.
fn ignored_dir(repo: &Path) -> std::io::Result<PathBuf> {
    let dir = repo.join(".octagit");
    std::fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "*\n")?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_the_next_step_in_text_and_json() {
        let r = failure(&ToolFailure::new("no issue given.", "pass `issue_text`"));
        assert_eq!(r.is_error, Some(true));
        let data = r.structured_content.unwrap();
        assert_eq!(data["next_step"], "pass `issue_text`");
        let ContentBlock::Text(t) = &r.content[0] else {
            panic!("text expected")
        };
        assert_eq!(
            t.text,
            "Error: no issue given.\nNext step: pass `issue_text`."
        );
    }

    #[test]
    fn long_diffs_are_cut_on_a_char_boundary() {
        let s = "é".repeat(10);
        let c = cut(&s, 5);
        assert!(c.starts_with("éé\n…"), "{c}");
    }
}
