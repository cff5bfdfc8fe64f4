//! Temp git repositories (and bare remotes) built with the real `git` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TempRepo {
    pub dir: tempfile::TempDir,
}

impl TempRepo {
    /// An empty repository on branch `main` with a committer identity.
    pub fn new() -> TempRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = TempRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// A repository holding `files` in one commit.
    pub fn with_files(files: &[(&str, &str)]) -> TempRepo {
        let repo = TempRepo::new();
        for (path, text) in files {
            repo.write(path, text);
        }
        repo.commit_all("initial");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).expect("read")
    }

    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Run git in the repo; panics with git's stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.dir.path(), args)
    }

    /// A bare repository to push to, registered as `origin`, with `main` pushed.
    pub fn with_bare_remote(&self) -> BareRemote {
        let bare = tempfile::tempdir().expect("tempdir");
        git_in(bare.path(), &["init", "-q", "--bare", "-b", "main"]);
        self.git(&["remote", "add", "origin", bare.path().to_str().unwrap()]);
        self.git(&["push", "-q", "origin", "main"]);
        BareRemote { dir: bare }
    }
}

pub struct BareRemote {
    pub dir: tempfile::TempDir,
}

impl BareRemote {
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Branch names in the remote.
    pub fn branches(&self) -> Vec<String> {
        git_in(
            self.dir.path(),
            &["for-each-ref", "--format=%(refname:short)", "refs/heads"],
        )
        .lines()
        .map(str::to_string)
        .collect()
    }

    /// A file's content at a branch tip.
    pub fn show(&self, branch: &str, path: &str) -> String {
        git_in(self.dir.path(), &["show", &format!("{branch}:{path}")])
    }
}

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
