//! Where a tool call's repository and issue come from: a local path or a shallow clone of
//! a URL; issue text, or an issue fetched from GitHub by number.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::pipeline::Issue;
use crate::secret::Secret;

/// A clone that takes longer than this is given up (a huge repo, or a host that hangs).
const CLONE_TIMEOUT: Duration = Duration::from_secs(300);

/// A tool-level failure: what happened, and the one thing to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolFailure {
    pub message: String,
    pub next_step: String,
}

impl ToolFailure {
    pub fn new(message: impl Into<String>, next_step: impl Into<String>) -> Self {
        ToolFailure {
            message: message.into(),
            next_step: next_step.into(),
        }
    }
}

/// The repository a call works in.
#[derive(Debug, Clone)]
pub struct RepoSource {
    pub path: PathBuf,
    /// The URL it was cloned from, when it was.
    pub cloned_from: Option<String>,
}

/// Does `repo` name a remote (cloned) rather than a local directory?
pub fn is_url(repo: &str) -> bool {
    let r = repo.trim();
    ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|p| r.starts_with(p))
        || (r.starts_with("git@") && r.contains(':'))
}

/// A local directory as is; a URL cloned with `git clone --depth 1` into a kept temp dir.
pub async fn resolve_repo(repo: &str) -> Result<RepoSource, ToolFailure> {
    let repo = repo.trim();
    if repo.is_empty() {
        return Err(ToolFailure::new(
            "`repo` is empty",
            "pass a local repository path or a git URL",
        ));
    }
    if is_url(repo) {
        let path = shallow_clone(repo).await?;
        return Ok(RepoSource {
            path,
            cloned_from: Some(repo.to_string()),
        });
    }
    let path = PathBuf::from(repo);
    local_dir(&path)?;
    Ok(RepoSource {
        path,
        cloned_from: None,
    })
}

/// A local directory that exists (the tools that never clone).
pub fn local_dir(path: &Path) -> Result<(), ToolFailure> {
    if path.is_dir() {
        Ok(())
    } else {
        Err(ToolFailure::new(
            format!(
                "{} is not a directory (the server runs in {})",
                path.display(),
                cwd()
            ),
            "pass the repository's absolute path, or a git URL to clone",
        ))
    }
}

fn cwd() -> String {
    std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "an unknown directory".into())
}

async fn shallow_clone(url: &str) -> Result<PathBuf, ToolFailure> {
    let dir = tempfile::Builder::new()
        .prefix("octagit-mcp-")
        .tempdir()
        .map_err(|e| {
            ToolFailure::new(
                format!("cannot create a temp dir to clone into: {e}"),
                "free some disk space or set TMPDIR",
            )
        })?
        // Kept: the run's artefacts live in the clone and the caller reads them afterwards.
        .keep();
    let target = dir.join("repo");
    let mut cmd = tokio::process::Command::new("git");
    cmd.args(["clone", "--depth", "1", "--quiet", "--", url])
        .arg(&target)
        // stdin is the MCP protocol: git must never read it or wait for a password.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("GIT_TERMINAL_PROMPT", "0")
        .kill_on_drop(true);
    let out = match tokio::time::timeout(CLONE_TIMEOUT, cmd.output()).await {
        Err(_) => {
            return Err(ToolFailure::new(
                format!(
                    "cloning {url} took longer than {} s",
                    CLONE_TIMEOUT.as_secs()
                ),
                "clone it yourself and pass the local path as `repo`",
            ));
        }
        Ok(Err(e)) => {
            return Err(ToolFailure::new(
                format!("cannot run git to clone {url}: {e}"),
                "install git, or pass a local clone as `repo`",
            ));
        }
        Ok(Ok(out)) => out,
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message");
        return Err(ToolFailure::new(
            crate::secret::redact(&format!("git could not clone {url}: {first}")),
            "check the URL and that the repository is public (or your git credentials reach it), or pass a local clone as `repo`",
        ));
    }
    Ok(target)
}

/// `owner/name`: the one given, else `GITHUB_REPOSITORY`, else the clone URL or `origin`.
pub fn repo_slug(given: Option<&str>, source: &RepoSource) -> Option<String> {
    given
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| env_var("GITHUB_REPOSITORY"))
        .or_else(|| {
            source
                .cloned_from
                .as_deref()
                .and_then(crate::commands::run::slug_from_url)
        })
        .or_else(|| {
            crate::git::remote_url(&source.path, "origin")
                .and_then(|u| crate::commands::run::slug_from_url(&u))
        })
}

pub fn env_var(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub fn github_token() -> Option<Secret> {
    env_var("GITHUB_TOKEN")
        .or_else(|| env_var("GH_TOKEN"))
        .map(Secret::new)
}

/// The issue from its text, or fetched from GitHub by number.
pub async fn resolve_issue(
    text: Option<&str>,
    number: Option<u64>,
    slug: Option<&str>,
) -> Result<Issue, ToolFailure> {
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        let mut issue = Issue::from_text(text);
        if issue.title.is_empty() {
            return Err(ToolFailure::new(
                "the issue text has no title",
                "make the first line of `issue_text` the issue's title",
            ));
        }
        issue.number = number;
        return Ok(issue);
    }
    let Some(number) = number else {
        return Err(ToolFailure::new(
            "no issue given",
            "pass `issue_text` (first line the title), or `issue_number` with GITHUB_TOKEN set",
        ));
    };
    let Some(token) = github_token() else {
        return Err(ToolFailure::new(
            format!(
                "cannot fetch issue #{number}: GITHUB_TOKEN is not set in the MCP server's environment"
            ),
            "pass the issue as `issue_text`, or add GITHUB_TOKEN to the server's env in the client config",
        ));
    };
    let Some(slug) = slug else {
        return Err(ToolFailure::new(
            format!("cannot fetch issue #{number}: the GitHub repository is unknown"),
            "pass `github_repo` as owner/name, or pass the issue as `issue_text`",
        ));
    };
    let api = env_var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
    let gh = crate::github::api::GitHub::new(&api, &token, slug).map_err(|e| {
        ToolFailure::new(
            format!("cannot reach GitHub for {slug}: {e}"),
            "check `github_repo` and GITHUB_API_URL",
        )
    })?;
    let info = gh.issue(number).await.map_err(|e| {
        ToolFailure::new(
            crate::secret::redact(&format!("cannot read issue #{number} of {slug}: {e}")),
            "check the number and that the token can read the repository's issues, or pass the issue as `issue_text`",
        )
    })?;
    Ok(Issue {
        number: Some(number),
        title: info.title,
        body: info.body.unwrap_or_default(),
        url: info.html_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(is_url("https://github.com/o/n"));
        assert!(is_url("git@github.com:o/n.git"));
        assert!(is_url("file:///tmp/bare"));
        assert!(!is_url("/tmp/repo"));
        assert!(!is_url("./git@home"));
        assert!(!is_url("repo"));
    }

    #[tokio::test]
    async fn text_wins_and_keeps_the_number() {
        let i = resolve_issue(Some("# Crash on empty input\nsteps"), Some(4), None)
            .await
            .unwrap();
        assert_eq!(
            (i.title.as_str(), i.body.as_str(), i.number),
            ("Crash on empty input", "steps", Some(4))
        );
    }

    #[tokio::test]
    async fn nothing_given_says_what_to_pass() {
        let e = resolve_issue(Some("  "), None, None).await.unwrap_err();
        assert!(e.next_step.contains("issue_text"), "{e:?}");
    }

    #[tokio::test]
    async fn a_missing_directory_is_a_failure_with_a_next_step() {
        let e = resolve_repo("/definitely/not/here").await.unwrap_err();
        assert!(e.message.contains("not a directory"), "{e:?}");
    }
}
