//! `octagit rank`: index the repository and print the files most relevant to an issue.
//! `--json` gives each file's signals (name, weighted contribution, detail) and its top
//! symbols with line ranges, so a person can see why it ranks where it does.

use anyhow::Context;

use crate::cli::{RankArgs, exit};
use crate::index::{self, IndexOptions};

pub async fn run(args: &RankArgs) -> anyhow::Result<i32> {
    let issue = match (&args.task.issue_file, &args.task.issue) {
        (Some(f), _) => std::fs::read_to_string(f).with_context(|| {
            format!("cannot read the issue file {}; check the path", f.display())
        })?,
        (None, Some(text)) => text.clone(),
        (None, None) => {
            eprintln!("error: no issue given; pass --issue-file FILE or --issue TEXT");
            return Ok(exit::USAGE);
        }
    };
    let repo = args.task.repo.clone();
    let opts = IndexOptions {
        cache_dir: index::default_cache_dir(&repo),
        ..IndexOptions::default()
    };
    let top = args.top.max(1);
    let (idx, ranked) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let idx = index::build(&repo, &opts)?;
        let ranked = index::rank(&idx, &issue);
        Ok((idx, ranked))
    })
    .await
    .context("the indexing task stopped unexpectedly")??;
    let shown = &ranked[..ranked.len().min(top)];
    if args.json {
        let doc = serde_json::json!({ "stats": idx.stats, "ranked": shown });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(exit::OK);
    }
    let s = &idx.stats;
    eprintln!(
        "indexed {} files in {} ms ({} parsed, {} from cache, {} skipped, {} symbols)",
        s.files, s.duration_ms, s.parsed, s.cached, s.skipped, s.symbols
    );
    if shown.is_empty() {
        println!("No file matches the issue; try adding file, function or error names to it.");
        return Ok(exit::OK);
    }
    let width = shown
        .iter()
        .map(|r| r.path.len())
        .max()
        .unwrap_or(0)
        .min(60);
    for (k, r) in shown.iter().enumerate() {
        println!(
            "{:>3}. {:>7.2}  {:<width$}  {}",
            k + 1,
            r.score,
            r.path,
            r.reason
        );
        // The symbols the issue points at, with line ranges: where to start reading.
        let hints: Vec<String> = r
            .symbols
            .iter()
            .take(3)
            .map(|s| format!("{} ({}-{})", s.name, s.line, s.end_line))
            .collect();
        if !hints.is_empty() {
            println!("{:>14}{}", "→ ", hints.join(", "));
        }
    }
    Ok(exit::OK)
}
