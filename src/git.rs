//! Branch, commit and push with git2 (libgit2): no `git` binary needed in the image.
//!
//! Facts this module is built on (platform-facts.md / design.md):
//! - `Remote::push` returns Ok even when the server refuses a ref; the refusal arrives in
//!   the `push_update_reference` callback, so every ref's status is checked.
//! - HTTPS push with a GitHub token: user `x-access-token`, password the token.
//! - GitHub refuses pushes touching `.github/workflows/` from a token without the
//!   `workflows` permission ("refusing to allow a GitHub App to create or update workflow").
//! - In a container the workspace is owned by another user: libgit2's owner check fails
//!   unless disabled ([`trust_workspace`]).

use std::path::Path;

use git2::{PushOptions, RemoteCallbacks, Repository, Signature};

use crate::secret::Secret;

pub const BOT_NAME: &str = "github-actions[bot]";
pub const BOT_EMAIL: &str = "41898282+github-actions[bot]@users.noreply.github.com";

/// Paths never committed: the run's own artefacts when they live inside the repository.
pub const NEVER_COMMIT: &[&str] = &[".octagit/"];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GitError {
    #[error("cannot open the git repository at {path}: {message}")]
    Open { path: String, message: String },
    #[error(
        "the working tree has no changes against the base commit, so there is nothing to commit"
    )]
    NoChanges,
    #[error("the remote refused `{refname}`: {message}")]
    Rejected { refname: String, message: String },
    #[error("the push to {remote} failed: {message}")]
    Push { remote: String, message: String },
    #[error("git failed while {doing}: {message}")]
    Other { doing: String, message: String },
}

impl GitError {
    /// GitHub's refusal to let a token without the `workflows` permission touch workflows.
    pub fn is_workflow_refusal(&self) -> bool {
        let t = self.to_string().to_ascii_lowercase();
        t.contains("workflow") && (t.contains("refusing") || t.contains("permission"))
    }

    fn other(doing: &str) -> impl Fn(git2::Error) -> GitError + '_ {
        move |e| GitError::Other {
            doing: doing.to_string(),
            message: e.message().to_string(),
        }
    }
}

/// Let libgit2 open repositories owned by another user (the container runs as root over a
/// workspace checked out by the runner user). Process-wide; call once at start.
pub fn trust_workspace() {
    // SAFETY: sets a libgit2 global option; called at start-up before any repository is
    // opened from another thread.
    let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
}

fn open(repo: &Path) -> Result<Repository, GitError> {
    Repository::open(repo).map_err(|e| GitError::Open {
        path: repo.display().to_string(),
        message: e.message().to_string(),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    pub commit: String,
    pub base_commit: String,
    /// Paths changed by the commit, sorted.
    pub files: Vec<String>,
    /// Paths changed in the working tree that the commit does not carry, sorted.
    pub left_out: Vec<String>,
}

fn excluded(path: &Path) -> bool {
    let p = path.to_string_lossy();
    NEVER_COMMIT
        .iter()
        .any(|x| p.starts_with(x) || p == x.trim_end_matches('/'))
}

/// Whether a path may never be committed, whoever wrote it: the run's artefacts, `.git`,
/// and the workflow files (a push touching them is how a stranger's issue would reach CI).
pub fn never_commit(path: &str) -> bool {
    let p = path.trim_start_matches("./");
    excluded(Path::new(p))
        || p == ".git"
        || p.starts_with(".git/")
        || p.starts_with(".github/workflows/")
}

/// Commit exactly `paths` (the agent's edits: created, edited or deleted, root-relative)
/// on top of HEAD as `github-actions[bot]`, on a new branch `branch` (reset if it exists),
/// and check that branch out. A path that `skip` calls protected, or [`never_commit`], is
/// never staged. Every other change in the working tree (build outputs, caches, files the
/// test command wrote) is left out and listed in `Committed::left_out`. The working tree
/// is left as it was.
pub fn commit_paths(
    repo: &Path,
    branch: &str,
    message: &str,
    paths: &[String],
    protected: &dyn Fn(&str) -> bool,
) -> Result<Committed, GitError> {
    let r = open(repo)?;
    let head = r
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| GitError::Other {
            doing: "reading HEAD (the base commit)".into(),
            message: e.message().to_string(),
        })?;
    let base_tree = head
        .tree()
        .map_err(GitError::other("reading the base tree"))?;
    let mut index = r.index().map_err(GitError::other("opening the index"))?;
    // Start from the base: only the named paths move.
    index
        .read_tree(&base_tree)
        .map_err(GitError::other("resetting the index to the base"))?;
    let workdir = r.workdir().unwrap_or(repo).to_path_buf();
    let mut skipped = Vec::new();
    for rel in paths {
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        if rel.is_empty() || never_commit(rel) || protected(rel) {
            skipped.push(rel.to_string());
            continue;
        }
        let p = Path::new(rel);
        let on_disk = workdir.join(p);
        match on_disk.symlink_metadata() {
            Ok(m) if m.is_file() || m.file_type().is_symlink() => index
                .add_path(p)
                .map_err(GitError::other("staging an edited file"))?,
            Ok(_) => skipped.push(rel.to_string()),
            Err(_) => {
                // Deleted by the agent: gone from the commit too (absent in the base is fine).
                let _ = index.remove_path(p);
            }
        }
    }
    let tree_id = index
        .write_tree()
        .map_err(GitError::other("writing the tree"))?;
    if tree_id == base_tree.id() {
        return Err(GitError::NoChanges);
    }
    index
        .write()
        .map_err(GitError::other("writing the index"))?;
    let tree = r
        .find_tree(tree_id)
        .map_err(GitError::other("reading the new tree"))?;
    let sig =
        Signature::now(BOT_NAME, BOT_EMAIL).map_err(GitError::other("making the signature"))?;
    let oid = r
        .commit(None, &sig, &sig, message, &tree, &[&head])
        .map_err(GitError::other("committing"))?;
    let commit = r
        .find_commit(oid)
        .map_err(GitError::other("reading the commit"))?;
    r.branch(branch, &commit, true)
        .map_err(GitError::other("creating the branch"))?;
    r.set_head(&format!("refs/heads/{branch}"))
        .map_err(GitError::other("checking out the branch"))?;

    let diff = r
        .diff_tree_to_tree(Some(&base_tree), Some(&tree), None)
        .map_err(GitError::other("diffing"))?;
    let mut files: Vec<String> = diff
        .deltas()
        .filter_map(|d| d.new_file().path().or_else(|| d.old_file().path()))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files.dedup();
    let left_out = changed_paths(&r, Some(&tree))
        .into_iter()
        .filter(|p| !files.contains(p))
        .collect();
    Ok(Committed {
        commit: oid.to_string(),
        base_commit: head.id().to_string(),
        files,
        left_out,
    })
}

/// Commit every change of the working tree (new, modified, deleted; `.gitignore`
/// honoured) except the paths that may never be committed. For a person's own tree (the
/// MCP `open_pr` tool); a run commits only its agent's edits ([`commit_paths`]).
pub fn commit_to_branch(repo: &Path, branch: &str, message: &str) -> Result<Committed, GitError> {
    let r = open(repo)?;
    let all = changed_paths(&r, None);
    commit_paths(repo, branch, message, &all, &|_| false)
}

/// Paths whose working-tree state differs from `tree` (HEAD's tree when `None`), untracked
/// included, `.gitignore` honoured, the run's own artefacts excluded. Sorted.
fn changed_paths(r: &Repository, tree: Option<&git2::Tree>) -> Vec<String> {
    let head_tree;
    let tree = match tree {
        Some(t) => Some(t),
        None => {
            head_tree = r.head().ok().and_then(|h| h.peel_to_tree().ok());
            head_tree.as_ref()
        }
    };
    let mut opts = git2::DiffOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let Ok(diff) = r.diff_tree_to_workdir(tree, Some(&mut opts)) else {
        return vec![];
    };
    let mut out: Vec<String> = diff
        .deltas()
        .filter_map(|d| d.new_file().path().or_else(|| d.old_file().path()))
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !excluded(Path::new(p)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What the commands changed in the tree that is not in `agent_paths`: the files a
/// commit of the agent's work leaves out.
pub fn left_out(repo: &Path, agent_paths: &[String]) -> Vec<String> {
    let Ok(r) = open(repo) else {
        return vec![];
    };
    changed_paths(&r, None)
        .into_iter()
        .filter(|p| !agent_paths.iter().any(|a| a.trim_start_matches("./") == p))
        .collect()
}

/// The URL of a named remote, if any.
pub fn remote_url(repo: &Path, name: &str) -> Option<String> {
    let r = open(repo).ok()?;
    let remote = r.find_remote(name).ok()?;
    remote.url().ok().map(str::to_string)
}

/// A remote URL that is a path on this machine (a bare repository in tests, a mirror).
pub fn is_local_url(url: &str) -> bool {
    if url.starts_with("file://") {
        return true;
    }
    if url.contains("://") {
        return false;
    }
    // scp-like `git@host:path` is remote; a path with a colon before any slash is too.
    match (url.find(':'), url.find('/')) {
        (Some(c), Some(s)) => s < c,
        (Some(_), None) => false,
        _ => true,
    }
}

fn credential_callbacks<'a>(
    token: Option<&'a Secret>,
    attempts: &'a mut u32,
) -> RemoteCallbacks<'a> {
    let mut cb = RemoteCallbacks::new();
    cb.credentials(move |_url, _user, _allowed| {
        *attempts += 1;
        match token {
            // libgit2 asks again after a refusal: answering again would loop forever.
            Some(t) if *attempts == 1 => {
                git2::Cred::userpass_plaintext("x-access-token", t.expose())
            }
            Some(_) => Err(git2::Error::from_str(
                "the token was refused; it needs `contents: write` on this repository",
            )),
            None => Err(git2::Error::from_str(
                "the remote asks for credentials and no token was given",
            )),
        }
    });
    cb
}

/// Whether the remote's `branch` holds commits a person added since `base` (authored by
/// anyone but the bot). `Ok(false)` when the branch does not exist there. The token is
/// given in memory, never written to the git config.
pub fn remote_has_human_commits(
    repo: &Path,
    remote_url: &str,
    branch: &str,
    base: &str,
    token: Option<&Secret>,
) -> Result<bool, GitError> {
    let r = open(repo)?;
    let mut remote = r.remote_anonymous(remote_url).map_err(|e| GitError::Push {
        remote: crate::secret::redact(remote_url),
        message: e.message().to_string(),
    })?;
    let local_ref = format!("refs/octagit/remote/{branch}");
    let spec = format!("+refs/heads/{branch}:{local_ref}");
    let mut attempts = 0u32;
    let mut fo = git2::FetchOptions::new();
    fo.remote_callbacks(credential_callbacks(token, &mut attempts));
    if let Err(e) = remote.fetch(&[spec.as_str()], Some(&mut fo), None) {
        // A branch that does not exist yet is not an error here.
        let m = e.message().to_ascii_lowercase();
        if m.contains("not found") || m.contains("couldn't find") || m.contains("no such") {
            return Ok(false);
        }
        return Err(GitError::Other {
            doing: format!("fetching `{branch}` to check for commits a person added"),
            message: crate::secret::redact(e.message()),
        });
    }
    let Ok(tip) = r.refname_to_id(&local_ref) else {
        return Ok(false);
    };
    let mut walk = r
        .revwalk()
        .map_err(GitError::other("walking the history"))?;
    walk.push(tip)
        .map_err(GitError::other("walking the history"))?;
    if let Ok(base) = git2::Oid::from_str(base) {
        let _ = walk.hide(base);
    }
    let mut human = false;
    for oid in walk.flatten() {
        if let Ok(c) = r.find_commit(oid)
            && c.author().email().ok() != Some(BOT_EMAIL)
        {
            human = true;
            break;
        }
    }
    let _ = r.find_reference(&local_ref).map(|mut rf| rf.delete());
    Ok(human)
}

/// Force-push `branch` to `remote_url` (the branch is OctaGit's own: re-runs replace it).
/// With a token, authenticate as `x-access-token`. Every ref's status is checked.
pub fn push_branch(
    repo: &Path,
    remote_url: &str,
    branch: &str,
    token: Option<&Secret>,
) -> Result<(), GitError> {
    let r = open(repo)?;
    let shown = crate::secret::redact(remote_url);
    let mut remote = r.remote_anonymous(remote_url).map_err(|e| GitError::Push {
        remote: shown.clone(),
        message: e.message().to_string(),
    })?;
    let mut rejected: Vec<(String, String)> = Vec::new();
    let mut remote_text = String::new();
    let mut attempts = 0u32;
    {
        let mut cb = credential_callbacks(token, &mut attempts);
        cb.push_update_reference(|refname, status| {
            if let Some(msg) = status {
                rejected.push((refname.to_string(), msg.to_string()));
            }
            Ok(())
        });
        cb.sideband_progress(|data| {
            remote_text.push_str(&String::from_utf8_lossy(data));
            true
        });
        let mut opts = PushOptions::new();
        opts.remote_callbacks(cb);
        let spec = format!("+refs/heads/{branch}:refs/heads/{branch}");
        remote
            .push(&[spec.as_str()], Some(&mut opts))
            .map_err(|e| GitError::Push {
                remote: shown.clone(),
                message: crate::secret::redact(e.message()),
            })?;
    }
    if let Some((refname, message)) = rejected.into_iter().next() {
        let extra = remote_text.trim();
        let message = if extra.is_empty() {
            message
        } else {
            format!("{message} ({extra})")
        };
        return Err(GitError::Rejected {
            refname,
            message: crate::secret::redact(&message),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn repo_with_remote() -> (tempfile::TempDir, tempfile::TempDir) {
        let work = tempfile::tempdir().unwrap();
        let bare = tempfile::tempdir().unwrap();
        git(bare.path(), &["init", "-q", "--bare", "-b", "main"]);
        git(work.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(work.path().join("a.txt"), "one\n").unwrap();
        std::fs::write(work.path().join("gone.txt"), "bye\n").unwrap();
        std::fs::write(work.path().join(".gitignore"), "*.log\n").unwrap();
        git(work.path(), &["add", "-A"]);
        git(work.path(), &["commit", "-q", "-m", "init"]);
        git(
            work.path(),
            &["remote", "add", "origin", bare.path().to_str().unwrap()],
        );
        git(work.path(), &["push", "-q", "origin", "main"]);
        (work, bare)
    }

    #[test]
    fn commits_changes_as_bot_and_pushes_to_a_local_remote() {
        let (work, bare) = repo_with_remote();
        let w = work.path();
        std::fs::write(w.join("a.txt"), "two\n").unwrap();
        std::fs::write(w.join("new.txt"), "new\n").unwrap();
        std::fs::remove_file(w.join("gone.txt")).unwrap();
        std::fs::write(w.join("noise.log"), "ignored\n").unwrap();
        std::fs::create_dir_all(w.join(".octagit/run-1")).unwrap();
        std::fs::write(w.join(".octagit/run-1/run.json"), "{}").unwrap();

        let c = commit_to_branch(w, "octagit/issue-1-x", "Fix a (#1)").unwrap();
        assert_eq!(c.files, vec!["a.txt", "gone.txt", "new.txt"]);
        let author = git(w, &["log", "-1", "--format=%an <%ae>|%s"]);
        assert_eq!(
            author.trim(),
            format!("{BOT_NAME} <{BOT_EMAIL}>|Fix a (#1)")
        );
        assert_eq!(
            git(w, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
            "octagit/issue-1-x"
        );

        let url = remote_url(w, "origin").unwrap();
        assert!(is_local_url(&url));
        push_branch(w, &url, "octagit/issue-1-x", None).unwrap();
        assert_eq!(
            git(bare.path(), &["show", "octagit/issue-1-x:a.txt"]),
            "two\n"
        );
        // Re-running replaces the branch (force push), as a re-run of the same issue must.
        git(w, &["checkout", "-q", "main"]);
        std::fs::write(w.join("a.txt"), "three\n").unwrap();
        commit_to_branch(w, "octagit/issue-1-x", "again").unwrap();
        push_branch(w, &url, "octagit/issue-1-x", None).unwrap();
        assert_eq!(
            git(bare.path(), &["show", "octagit/issue-1-x:a.txt"]),
            "three\n"
        );
    }

    #[test]
    fn no_changes_is_an_error() {
        let (work, _bare) = repo_with_remote();
        assert_eq!(
            commit_to_branch(work.path(), "b", "m"),
            Err(GitError::NoChanges)
        );
    }

    #[test]
    fn refused_ref_is_reported() {
        let (work, bare) = repo_with_remote();
        // libgit2's local transport runs no hooks; a held ref lock makes the remote refuse
        // the ref, which arrives through the per-ref status like a server-side refusal.
        let refs = bare.path().join("refs/heads/octagit");
        std::fs::create_dir_all(&refs).unwrap();
        std::fs::write(refs.join("x.lock"), "").unwrap();
        std::fs::write(work.path().join("a.txt"), "changed\n").unwrap();
        commit_to_branch(work.path(), "octagit/x", "m").unwrap();
        let err = push_branch(
            work.path(),
            bare.path().to_str().unwrap(),
            "octagit/x",
            None,
        )
        .unwrap_err();
        assert!(
            matches!(err, GitError::Rejected { .. } | GitError::Push { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn local_url_detection() {
        assert!(is_local_url("/tmp/x.git"));
        assert!(is_local_url("file:///tmp/x.git"));
        assert!(is_local_url("../rel/repo"));
        assert!(!is_local_url("https://github.com/o/r.git"));
        assert!(!is_local_url("git@github.com:o/r.git"));
    }

    #[test]
    fn only_the_named_paths_are_committed() {
        let (work, bare) = repo_with_remote();
        let w = work.path();
        std::fs::write(w.join("a.txt"), "agent\n").unwrap();
        std::fs::write(w.join("junk.pyc"), "x").unwrap();
        std::fs::create_dir_all(w.join(".github/workflows")).unwrap();
        std::fs::write(w.join(".github/workflows/x.yml"), "on: push\n").unwrap();
        std::fs::remove_file(w.join("gone.txt")).unwrap();
        let paths = vec![
            "a.txt".to_string(),
            "gone.txt".to_string(),
            ".github/workflows/x.yml".to_string(),
        ];
        let c = commit_paths(w, "b", "m", &paths, &|p: &str| p == "never.txt").unwrap();
        assert_eq!(c.files, vec!["a.txt", "gone.txt"]);
        assert_eq!(c.left_out, vec![".github/workflows/x.yml", "junk.pyc"]);
        push_branch(w, bare.path().to_str().unwrap(), "b", None).unwrap();
        let human =
            remote_has_human_commits(w, bare.path().to_str().unwrap(), "b", &c.base_commit, None)
                .unwrap();
        assert!(!human, "the bot's own commit is not a person's");
        assert!(
            !remote_has_human_commits(
                w,
                bare.path().to_str().unwrap(),
                "nope",
                &c.base_commit,
                None
            )
            .unwrap()
        );
    }
}
