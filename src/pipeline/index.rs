//! Task and Index: sanitize the issue, then map the repository for the prompt and reports.

use std::path::PathBuf;

use super::{Issue, REPO_MAP_TOKENS, Run};
use crate::index::{self, ContextGraph, IndexOptions};
use crate::run_record::{IndexSummary, RankedEntry, StageStatus};

/// The issue as models may see it.
pub(super) struct TaskText {
    pub title: String,
    pub body: String,
}

/// Task: the issue is untrusted; strip what a reader would not see.
pub(super) fn task(run: &mut Run, issue: &Issue) -> TaskText {
    let stage = run.begin("task");
    let title = crate::sanitize::sanitize(&issue.title);
    let body = crate::sanitize::sanitize(&issue.body);
    run.record.sanitized = title
        .removed
        .iter()
        .map(|r| format!("title: {r}"))
        .chain(body.removed.iter().map(|r| format!("body: {r}")))
        .collect();
    run.end(stage, StageStatus::Ok, None);
    TaskText {
        title: title.text,
        body: body.text,
    }
}

/// Index: where to look, and the map of the repo for the reports. Returns the repo map for
/// the first prompt (empty when the index failed: the run goes on without it).
pub(super) fn index(run: &mut Run, task: &TaskText, cache: Option<PathBuf>) -> String {
    let stage = run.begin("index");
    let issue_text = format!("{}\n{}", task.title, task.body);
    let cache_dir = cache.or_else(|| index::default_cache_dir(&run.repo));
    let map = match index::build(
        &run.repo,
        &IndexOptions {
            cache_dir,
            ..Default::default()
        },
    ) {
        Ok(idx) => {
            let ranked = index::rank(&idx, &issue_text);
            let map = index::repo_map(&idx, &ranked, REPO_MAP_TOKENS);
            run.graph = Some(ContextGraph::new(&idx, &ranked));
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
            let note = format!("{} files, {} symbols", idx.stats.files, idx.stats.symbols);
            run.index = Some(idx);
            run.end(stage, StageStatus::Ok, Some(note));
            map
        }
        Err(e) => {
            run.record.warnings.push(format!("index: {e}"));
            run.end(stage, StageStatus::Failed, Some(e.to_string()));
            String::new()
        }
    };
    run.write_graph();
    map
}
