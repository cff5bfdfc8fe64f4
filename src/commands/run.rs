//! `octagit run`: the whole pipeline on a local repository.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

use crate::cli::{RunArgs, TaskArgs, exit};
use crate::config::{Config, Overrides};
use crate::pipeline::{self, Issue, RunOptions, RunOutcome};
use crate::run_record::RunStatus;

/// Read the issue from `--issue-file` or `--issue`.
pub fn read_issue(task: &TaskArgs) -> anyhow::Result<Issue> {
    let text = match (&task.issue_file, &task.issue) {
        (Some(f), _) => std::fs::read_to_string(f).with_context(|| {
            format!("cannot read the issue file {}; check the path", f.display())
        })?,
        (None, Some(t)) => t.clone(),
        (None, None) => anyhow::bail!(
            "no issue given: pass --issue-file FILE (first line is the title) or --issue \"TEXT\""
        ),
    };
    let issue = Issue::from_text(&text);
    if issue.title.is_empty() {
        anyhow::bail!("the issue is empty: its first line should be the title");
    }
    Ok(issue)
}

/// Flags as a config layer (the top of the precedence).
pub fn flag_overrides(task: &TaskArgs) -> Overrides {
    let chain = match (&task.model, &task.fallback_chain) {
        (Some(m), Some(c)) => {
            let mut v = vec![m.clone()];
            v.extend(c.iter().filter(|s| *s != m).cloned());
            Some(v)
        }
        (Some(m), None) => Some(vec![m.clone()]),
        (None, Some(c)) => Some(c.clone()),
        (None, None) => None,
    };
    Overrides {
        fallback_chain: chain,
        ..Default::default()
    }
}

pub async fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let issue = match read_issue(&args.task) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(exit::USAGE);
        }
    };
    let mut flags = flag_overrides(&args.task);
    flags.test_command = args.test_command.clone();
    flags.setup_command = args.setup_command.clone();
    flags.max_turns = args.max_turns;
    flags.max_cost_usd = args.max_cost_usd;
    flags.max_minutes = args.max_minutes;
    let cfg = match Config::resolve(&args.task.repo, &Overrides::default(), &flags) {
        Ok((c, _)) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::USAGE);
        }
    };
    crate::secret::register_env_secrets();
    let mut issue = issue;
    issue.number = args.issue_number;
    let publish = if args.open_pr {
        match publish_target(
            &args.task.repo,
            args.github_repo.as_deref(),
            args.issue_number,
            &issue.title,
            &cfg,
        ) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::USAGE);
            }
        }
    } else {
        None
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping after the current step; the artefacts will be written…");
            flag.store(true, Ordering::Relaxed);
        }
    });
    let opts = RunOptions {
        out_dir: args.out.clone(),
        origin: "cli".into(),
        no_audit: args.no_audit,
        publish,
        cancel,
        test_command_source: args.test_command.as_ref().map(|_| "flag".to_string()),
        ..Default::default()
    };
    let outcome = pipeline::run(&args.task.repo, issue, cfg, opts).await;
    print_outcome(&outcome, false);
    Ok(outcome.exit_code)
}

/// The closing lines a person reads in the terminal.
pub fn print_outcome(o: &RunOutcome, demo: bool) {
    let r = &o.record;
    let tag = if demo { "[DEMO] " } else { "" };
    let status = match r.status {
        RunStatus::Success => "fixed: the tests pass with the change",
        RunStatus::Failed => "not fixed",
        RunStatus::Skipped => "skipped",
        RunStatus::Running => "stopped",
    };
    println!();
    println!("{tag}OctaGit: {status}");
    if let Some(f) = &r.failure {
        println!("{tag}  why:  {} ({})", f.message, f.class);
    }
    if let Some(a) = &r.advice {
        println!("{tag}  {}", a.headline);
        println!("{tag}  next: {}", a.next_step);
    }
    if let Some(s) = &r.diff_stat {
        println!(
            "{tag}  diff: {} file(s), +{} -{}",
            s.files, s.insertions, s.deletions
        );
    }
    if let (Some(b), Some(a)) = (&r.gate.baseline, &r.gate.after) {
        println!(
            "{tag}  tests: before {} ({} failing), after {} ({} failing)",
            if b.success { "pass" } else { "fail" },
            b.failed_tests.len(),
            if a.success { "pass" } else { "fail" },
            a.failed_tests.len()
        );
    }
    if let Some(p) = r.publish.as_ref().and_then(|p| p.pr_url.as_ref()) {
        println!("{tag}  pull request: {p}");
    }
    println!(
        "{tag}  turns: {}, tokens: {} in / {} out, cost: ${:.4}",
        r.turns, r.tokens_in, r.tokens_out, r.cost_usd
    );
    println!("{tag}  artefacts: {}", o.dir.display());
    println!("{tag}  report: {}", o.dir.join("report.html").display());
}

/// Where `--open-pr` publishes: the token and API from the environment, the repository
/// from `--github-repo`, `GITHUB_REPOSITORY`, or the `origin` remote.
pub(crate) fn publish_target(
    repo: &std::path::Path,
    github_repo: Option<&str>,
    issue_number: Option<u64>,
    title: &str,
    cfg: &Config,
) -> anyhow::Result<crate::publish::PublishTarget> {
    let var = |k: &str| {
        std::env::var(k)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let token = var("GITHUB_TOKEN").or_else(|| var("GH_TOKEN")).ok_or_else(|| {
        anyhow::anyhow!("--open-pr needs a token: set GITHUB_TOKEN to a token with contents and pull-requests write access")
    })?;
    let slug = github_repo
        .map(str::to_string)
        .or_else(|| var("GITHUB_REPOSITORY"))
        .or_else(|| crate::git::remote_url(repo, "origin").and_then(|u| slug_from_url(&u)))
        .ok_or_else(|| anyhow::anyhow!("--open-pr cannot tell which GitHub repository to use: pass --github-repo owner/name"))?;
    let issue_number = issue_number.ok_or_else(|| {
        anyhow::anyhow!(
            "--open-pr needs the issue number for the branch and `Fixes #n`: pass --issue-number N"
        )
    })?;
    let base = cfg
        .base_branch
        .clone()
        .or_else(|| {
            git2::Repository::open(repo).ok().and_then(|r| {
                r.head()
                    .ok()
                    .and_then(|h| h.shorthand().ok().map(str::to_string))
            })
        })
        .unwrap_or_else(|| "main".into());
    Ok(crate::publish::PublishTarget {
        api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
        server_url: var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
        repo_slug: slug,
        token: crate::secret::Secret::new(token),
        remote_url: None,
        base_branch: base,
        issue_number,
        issue_title: title.to_string(),
        draft: cfg.draft,
        branch_prefix: cfg.branch_prefix.clone(),
        wip_suffix: cfg.wip_suffix.clone(),
    })
}

/// `owner/name` from `https://github.com/owner/name(.git)` or `git@github.com:owner/name.git`.
pub(crate) fn slug_from_url(url: &str) -> Option<String> {
    let rest = url.strip_suffix(".git").unwrap_or(url);
    let rest = rest.rsplit_once("github.com").map(|(_, r)| r)?;
    let rest = rest.trim_start_matches([':', '/']);
    let mut parts = rest.split('/');
    let (o, n) = (parts.next()?, parts.next()?);
    (!o.is_empty() && !n.is_empty()).then(|| format!("{o}/{n}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_from_remote_urls() {
        assert_eq!(
            super::slug_from_url("https://github.com/o/n.git").as_deref(),
            Some("o/n")
        );
        assert_eq!(
            super::slug_from_url("git@github.com:o/n.git").as_deref(),
            Some("o/n")
        );
        assert_eq!(super::slug_from_url("/tmp/bare"), None);
    }
}
