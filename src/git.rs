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

use git2::{IndexAddOption, PushOptions, RemoteCallbacks, Repository, Signature};

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
}

fn excluded(path: &Path) -> bool {
    let p = path.to_string_lossy();
    NEVER_COMMIT
        .iter()
        .any(|x| p.starts_with(x) || p == x.trim_end_matches('/'))
}

/// Commit every change of the working tree (new, modified, deleted; `.gitignore` honoured)
/// on top of HEAD as `github-actions[bot]`, on a new branch `branch` (reset if it exists),
/// and check that branch out. The working tree is left as it was.
pub fn commit_to_branch(repo: &Path, branch: &str, message: &str) -> Result<Committed, GitError> {
    let r = open(repo)?;
    let head = r
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| GitError::Other {
            doing: "reading HEAD (the base commit)".into(),
            message: e.message().to_string(),
        })?;
    let mut index = r.index().map_err(GitError::other("opening the index"))?;
    let mut skip = |path: &Path, _spec: &[u8]| -> i32 { if excluded(path) { 1 } else { 0 } };
    index
        .add_all(["*"], IndexAddOption::DEFAULT, Some(&mut skip))
        .map_err(GitError::other("staging changes"))?;
    index
        .update_all(["*"], Some(&mut skip))
        .map_err(GitError::other("staging deletions"))?;
    let tree_id = index
        .write_tree()
        .map_err(GitError::other("writing the tree"))?;
    let base_tree = head
        .tree()
        .map_err(GitError::other("reading the base tree"))?;
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
    Ok(Committed {
        commit: oid.to_string(),
        base_commit: head.id().to_string(),
        files,
    })
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
        let mut cb = RemoteCallbacks::new();
        cb.credentials(|_url, _user, _allowed| {
            attempts += 1;
            match token {
                // libgit2 asks again after a refusal: answering again would loop forever.
                Some(t) if attempts == 1 => {
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
}
