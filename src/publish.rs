//! Publish a run: branch `octagit/issue-<n>-<slug>`, commit as `github-actions[bot]`, push,
//! and open a draft pull request, or for a run whose gate did not pass, push the partial
//! work to a `-wip` branch so nothing is lost.
//!
//! Every failure is an answer, not a panic: the branch is kept where it was pushed, and the
//! [`PublishRecord`] says what happened and what to do (GitHub's known refusals are each
//! explained: PR already exists, drafts unsupported, Actions not permitted to create PRs,
//! workflow files refused).

use std::path::{Path, PathBuf};

use crate::git::{self, GitError};
use crate::github::api::{ApiError, GitHub};
use crate::run_record::{PublishRecord, RunRecord};
use crate::secret::{Secret, redact};

#[derive(Debug, Clone)]
pub struct PublishTarget {
    /// `GITHUB_API_URL`.
    pub api_url: String,
    /// `GITHUB_SERVER_URL` (`https://github.com`), for push and compare URLs.
    pub server_url: String,
    /// `owner/name`.
    pub repo_slug: String,
    pub token: Secret,
    /// Push here instead of `<server_url>/<repo_slug>.git` (a local bare repository in tests).
    pub remote_url: Option<String>,
    pub base_branch: String,
    pub issue_number: u64,
    pub issue_title: String,
    pub draft: bool,
    pub branch_prefix: String,
    pub wip_suffix: String,
}

impl PublishTarget {
    pub fn branch(&self) -> String {
        branch_name(&self.branch_prefix, self.issue_number, &self.issue_title)
    }

    pub fn wip_branch(&self) -> String {
        format!("{}{}", self.branch(), self.wip_suffix)
    }

    /// The push URL: the override, else `origin` when it is a local path, else GitHub.
    pub fn push_url(&self, repo: &Path) -> String {
        if let Some(u) = &self.remote_url {
            return u.clone();
        }
        if let Some(origin) = git::remote_url(repo, "origin")
            && git::is_local_url(&origin)
        {
            return origin;
        }
        format!(
            "{}/{}.git",
            self.server_url.trim_end_matches('/'),
            self.repo_slug
        )
    }

    /// A pre-filled "open a pull request" page for `branch`.
    pub fn compare_url(&self, branch: &str, title: &str, body: &str) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let body: String = body.chars().take(1500).collect();
        format!(
            "{}/{}/compare/{}...{}?expand=1&title={}&body={}",
            self.server_url.trim_end_matches('/'),
            self.repo_slug,
            self.base_branch,
            branch,
            enc(title),
            enc(&body)
        )
    }
}

/// `octagit/issue-12-fix-crash-on-empty-input`: lower-case ASCII words of the title, at most
/// 40 characters, cut at a word boundary.
pub fn branch_name(prefix: &str, issue: u64, title: &str) -> String {
    let mut slug = String::new();
    for word in title
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let extra = if slug.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if slug.len() + extra > 40 {
            if slug.is_empty() {
                slug.push_str(&word[..40]);
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() {
        format!("{prefix}issue-{issue}")
    } else {
        format!("{prefix}issue-{issue}-{slug}")
    }
}

/// Did the run earn a pull request? Otherwise its edits go to the `-wip` branch.
pub fn gate_passed(record: &RunRecord) -> bool {
    use crate::run_record::RunStatus;
    record.failure.is_none()
        && match record.status {
            RunStatus::Success => record.gate.passed != Some(false),
            RunStatus::Running => record.gate.passed == Some(true),
            _ => false,
        }
}

pub fn pr_title(target: &PublishTarget) -> String {
    let t: String = target.issue_title.trim().chars().take(100).collect();
    format!("Fix #{}: {}", target.issue_number, t)
}

/// The pull request body (`report::pr_body`): what changed and why, tests before/after,
/// hops and cost, and the advisor's review note. Redacted and within GitHub's size limit.
pub fn pr_body(record: &RunRecord, target: &PublishTarget, notes: &[String]) -> String {
    crate::report::pr_body(record, target.issue_number, notes)
}

/// Explain a push failure in one or two sentences with the next step.
fn explain_push(err: &GitError, branch: &str) -> String {
    if err.is_workflow_refusal() {
        return format!(
            "GitHub refused to push `{branch}` because the change touches `.github/workflows/` and the workflow's token has no `workflows` permission. Apply the diff from the run artefacts by hand, or give OctaGit a token that has the workflows permission."
        );
    }
    match err {
        GitError::NoChanges => {
            "The run left no changes in the working tree, so there was nothing to push.".into()
        }
        _ => format!(
            "Pushing `{branch}` failed: {err}. Check that the workflow grants `permissions: contents: write` and that the branch is not protected."
        ),
    }
}

/// Commit the working tree of `repo` and publish it. Never panics: every failure is in
/// `error` and `notes`, and whatever was pushed stays pushed.
pub async fn publish(repo: &Path, record: &RunRecord, target: &PublishTarget) -> PublishRecord {
    let wip = !gate_passed(record);
    let branch = if wip {
        target.wip_branch()
    } else {
        target.branch()
    };
    let mut out = PublishRecord {
        branch: Some(branch.clone()),
        ..Default::default()
    };

    let message =
        crate::report::commit_message(record, target.issue_number, &target.issue_title, wip);
    let push_url = target.push_url(repo);
    let token = (push_url.starts_with("https://") || push_url.starts_with("http://"))
        .then(|| target.token.clone());
    let branch = if wip {
        keep_human_work(
            repo,
            &push_url,
            branch,
            token.clone(),
            &record.run_id,
            &mut out,
        )
        .await
    } else {
        branch
    };
    let repo_buf: PathBuf = repo.to_path_buf();
    let branch_c = branch.clone();
    let scope = CommitScope::of(repo, record);
    let git_result = tokio::task::spawn_blocking(move || -> Result<git::Committed, GitOrPush> {
        let committed = scope
            .commit(&repo_buf, &branch_c, &message)
            .map_err(GitOrPush::Git)?;
        match git::push_branch(&repo_buf, &push_url, &branch_c, token.as_ref()) {
            Ok(()) => Ok(committed),
            Err(err) => Err(GitOrPush::Push(Box::new(PushFailure {
                err,
                committed: Some(committed),
            }))),
        }
    })
    .await;

    let committed = match git_result {
        Ok(Ok(c)) => c,
        Ok(Err(GitOrPush::Git(e))) => {
            out.error = Some(explain_push(&e, &branch));
            return out;
        }
        Ok(Err(GitOrPush::Push(failure))) => {
            let PushFailure { err, committed } = *failure;
            out.commit = committed.map(|c| c.commit);
            out.error = Some(explain_push(&err, &branch));
            out.notes.push(format!(
                "The commit is on the local branch `{branch}` of the workspace."
            ));
            return out;
        }
        Err(join) => {
            out.error = Some(format!(
                "The git step stopped unexpectedly ({join}); the run artefacts hold the diff."
            ));
            return out;
        }
    };
    out.commit = Some(committed.commit.clone());
    out.pushed = true;
    if committed
        .files
        .iter()
        .any(|f| f.starts_with(".github/workflows/"))
    {
        out.notes.push("The change touches `.github/workflows/`; GitHub accepted the push, so the token has the workflows permission.".into());
    }

    let title = pr_title(target);
    if wip {
        let short = crate::report::wip_compare_body(target.issue_number);
        out.compare_url = Some(target.compare_url(&branch, &format!("WIP: {title}"), &short));
        out.notes.push(format!(
            "The tests did not pass, so no pull request was opened; the partial work is on `{branch}` for a person to continue."
        ));
        return out;
    }

    let short_body = crate::report::compare_body(record, target.issue_number);
    let compare = target.compare_url(&branch, &title, &short_body);
    let gh = match GitHub::new(&target.api_url, &target.token, &target.repo_slug) {
        Ok(g) => g,
        Err(e) => {
            out.compare_url = Some(compare.clone());
            out.error = Some(format!(
                "The branch `{branch}` was pushed but the pull request could not be opened: {e}. Open it here: {compare}"
            ));
            return out;
        }
    };
    open_or_update_pr(&gh, record, target, &branch, &title, &compare, &mut out).await;
    out
}

/// The `-wip` branch is OctaGit's own and re-runs replace it (force push), unless a person
/// added commits to it: then this run's work goes to a new branch beside it and the
/// person's commits stay where they are.
async fn keep_human_work(
    repo: &Path,
    push_url: &str,
    branch: String,
    token: Option<Secret>,
    run_id: &str,
    out: &mut PublishRecord,
) -> String {
    let (repo_c, url, b) = (repo.to_path_buf(), push_url.to_string(), branch.clone());
    let checked = tokio::task::spawn_blocking(move || {
        let base = git2::Repository::open(&repo_c)
            .ok()
            .and_then(|r| {
                r.head()
                    .ok()?
                    .peel_to_commit()
                    .ok()
                    .map(|c| c.id().to_string())
            })
            .unwrap_or_default();
        git::remote_has_human_commits(&repo_c, &url, &b, &base, token.as_ref())
    })
    .await;
    let suffix: String = run_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let other = format!("{branch}-{}", if suffix.is_empty() { "2" } else { &suffix });
    let note = match checked {
        Ok(Ok(false)) => return branch,
        Ok(Ok(true)) => format!(
            "`{branch}` has commits a person added, so it was not replaced; this run's partial work is on `{other}`."
        ),
        Ok(Err(e)) => format!(
            "Could not check `{branch}` for commits a person added ({e}), so it was not replaced; this run's partial work is on `{other}`."
        ),
        Err(e) => format!(
            "Could not check `{branch}` for commits a person added ({e}); this run's partial work is on `{other}`."
        ),
    };
    out.notes.push(redact(&note));
    out.branch = Some(other.clone());
    other
}

/// What a commit carries. A run's record (it has a sandbox record) commits exactly the
/// agent's edits, never a protected path; everything else the commands changed is left
/// out. A record made outside a run (the MCP `open_pr` tool: the caller vouches for its
/// tree) commits the working tree.
enum CommitScope {
    Agent {
        paths: Vec<String>,
        protected: Option<crate::agent::workspace::Workspace>,
    },
    Tree,
}

impl CommitScope {
    fn of(repo: &Path, record: &RunRecord) -> CommitScope {
        match &record.sandbox {
            Some(sb) => CommitScope::Agent {
                paths: record.files_edited.clone(),
                protected: crate::agent::workspace::Workspace::new(repo, &sb.protected_paths).ok(),
            },
            None => CommitScope::Tree,
        }
    }

    fn commit(&self, repo: &Path, branch: &str, message: &str) -> Result<git::Committed, GitError> {
        match self {
            CommitScope::Agent { paths, protected } => {
                let is_protected = |rel: &str| {
                    protected
                        .as_ref()
                        .is_none_or(|w| w.protected_match(rel).is_some())
                };
                git::commit_paths(repo, branch, message, paths, &is_protected)
            }
            CommitScope::Tree => git::commit_to_branch(repo, branch, message),
        }
    }
}

enum GitOrPush {
    Git(GitError),
    Push(Box<PushFailure>),
}

struct PushFailure {
    err: GitError,
    committed: Option<git::Committed>,
}

async fn open_or_update_pr(
    gh: &GitHub,
    record: &RunRecord,
    target: &PublishTarget,
    branch: &str,
    title: &str,
    compare: &str,
    out: &mut PublishRecord,
) {
    let mut draft = target.draft;
    let mut notes: Vec<String> = Vec::new();
    // At most two attempts: the second only after GitHub said drafts are unsupported.
    for _ in 0..2 {
        let body = pr_body(record, target, &notes);
        match gh
            .create_pull(title, branch, &target.base_branch, &body, draft)
            .await
        {
            Ok(pr) => {
                out.pr_url = pr.html_url;
                out.pr_number = Some(pr.number);
                out.draft = Some(pr.draft);
                out.notes.extend(notes);
                return;
            }
            Err(e) if is_drafts_unsupported(&e) && draft => {
                draft = false;
                notes.push("Draft pull requests are not supported in this repository, so this PR was opened ready for review. Review it as you would a draft.".into());
            }
            Err(e) if is_already_exists(&e) => {
                update_existing(gh, record, target, branch, title, compare, out, notes).await;
                return;
            }
            Err(e) if is_actions_not_permitted(&e) => {
                out.compare_url = Some(compare.to_string());
                out.error = Some(format!(
                    "GitHub Actions is not permitted to create pull requests in {}. The branch `{branch}` was pushed. Turn on Settings → Actions → General → \"Allow GitHub Actions to create and approve pull requests\" (an organisation must allow it too), or open the PR yourself: {compare}",
                    target.repo_slug
                ));
                out.notes.extend(notes);
                return;
            }
            Err(e) => {
                out.compare_url = Some(compare.to_string());
                out.error = Some(format!(
                    "The branch `{branch}` was pushed but the pull request could not be opened: {e}. Check that the workflow grants `pull-requests: write`, or open it yourself: {compare}"
                ));
                out.notes.extend(notes);
                return;
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn update_existing(
    gh: &GitHub,
    record: &RunRecord,
    target: &PublishTarget,
    branch: &str,
    title: &str,
    compare: &str,
    out: &mut PublishRecord,
    mut notes: Vec<String>,
) {
    let existing = match gh.pulls_for_head(branch).await {
        Ok(prs) => prs.into_iter().next(),
        Err(e) => {
            out.compare_url = Some(compare.to_string());
            out.error = Some(format!(
                "A pull request for `{branch}` already exists but could not be found: {e}. The branch holds this run's commit."
            ));
            return;
        }
    };
    let Some(pr) = existing else {
        out.compare_url = Some(compare.to_string());
        out.error = Some(format!(
            "GitHub says a pull request for `{branch}` already exists, but none is open for that head. The branch holds this run's commit: {compare}"
        ));
        return;
    };
    notes.push(format!(
        "This pull request already existed for `{branch}`; a new OctaGit run replaced the branch's commit and updated this description."
    ));
    let body = pr_body(record, target, &notes);
    match gh.update_pull(pr.number, title, &body).await {
        Ok(updated) => {
            out.pr_url = updated.html_url.or(pr.html_url);
            out.pr_number = Some(pr.number);
            out.draft = Some(updated.draft);
            out.notes.extend(notes);
        }
        Err(e) => {
            out.pr_url = pr.html_url;
            out.pr_number = Some(pr.number);
            out.draft = Some(pr.draft);
            out.notes.extend(notes);
            out.notes.push(format!(
                "The pull request's description could not be updated: {e}."
            ));
        }
    }
}

fn is_already_exists(e: &ApiError) -> bool {
    e.status() == Some(422) && e.text_lower().contains("already exists")
}

fn is_drafts_unsupported(e: &ApiError) -> bool {
    let t = e.text_lower();
    e.status() == Some(422) && t.contains("draft") && t.contains("not supported")
}

fn is_actions_not_permitted(e: &ApiError) -> bool {
    e.status() == Some(403)
        && e.text_lower()
            .contains("not permitted to create or approve pull requests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names() {
        assert_eq!(
            branch_name("octagit/", 12, "Crash on empty input!"),
            "octagit/issue-12-crash-on-empty-input"
        );
        assert_eq!(branch_name("octagit/", 3, "¿¿??"), "octagit/issue-3");
        let long = branch_name(
            "octagit/",
            1,
            "a very long title that keeps going and going beyond forty characters",
        );
        assert!(long.len() <= "octagit/issue-1-".len() + 40, "{long}");
        assert!(!long.ends_with('-'));
        assert_eq!(
            branch_name("bot/", 5, "x".repeat(60).as_str()),
            format!("bot/issue-5-{}", "x".repeat(40))
        );
    }

    #[test]
    fn known_github_refusals() {
        let e = |status, message: &str| ApiError::Status {
            what: "x".into(),
            status,
            message: message.into(),
        };
        assert!(is_already_exists(&e(
            422,
            "Validation Failed (A pull request already exists for o:b.)"
        )));
        assert!(is_drafts_unsupported(&e(
            422,
            "Draft pull requests are not supported in this repository."
        )));
        assert!(is_actions_not_permitted(&e(
            403,
            "GitHub Actions is not permitted to create or approve pull requests."
        )));
        assert!(!is_actions_not_permitted(&e(
            403,
            "Resource not accessible by integration"
        )));
    }
}
