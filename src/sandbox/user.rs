//! The separate-user level: when namespaces are refused but we are root, a command runs as
//! an unused unprivileged uid. It cannot read our `/proc/<pid>/environ` or memory (those
//! need the same uid or CAP_SYS_PTRACE), cannot write `.git/` or the runner's files (owned
//! by others), and what it leaves behind (processes, files in `/tmp`) is removed after.
//!
//! The workspace is handed to that uid for the command (except `.git/` and `.octagit/`)
//! and every ownership is restored afterwards; files it created are given to the
//! workspace's owner.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Ownership of the workspace before the command, to restore after it.
pub struct Lease {
    uid: u32,
    root: PathBuf,
    root_owner: (u32, u32),
    owners: Vec<(PathBuf, u32, u32)>,
    /// The command's private HOME and TMPDIR, removed at the end.
    pub scratch: PathBuf,
}

/// Directories inside the workspace the command may not write.
const KEEP: &[&str] = &[".git", ".octagit"];

fn lchown(path: &Path, uid: u32, gid: u32) {
    let _ = std::os::unix::fs::lchown(path, Some(uid), Some(gid));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, top: bool) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let path = e.path();
        if top && KEEP.iter().any(|k| e.file_name() == *k) {
            continue;
        }
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        out.push(path.clone());
        if is_dir {
            walk(&path, out, false);
        }
    }
}

/// Give the workspace to `uid` for one command and make its private HOME/TMPDIR.
pub fn lease(root: &Path, uid: u32, gid: u32) -> std::io::Result<Lease> {
    // The uid must be able to reach the workspace: every directory above it searchable by
    // others (a checkout under root's 0700 home is not).
    for dir in root.ancestors().skip(1) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(dir)
            && m.permissions().mode() & 0o001 == 0
        {
            return Err(std::io::Error::other(format!(
                "{} is not searchable by other users, so the sandbox user cannot reach the workspace; move the checkout (e.g. under /tmp or /srv)",
                dir.display()
            )));
        }
    }
    let meta = std::fs::symlink_metadata(root)?;
    let mut paths = vec![root.to_path_buf()];
    walk(root, &mut paths, true);
    let mut owners = Vec::with_capacity(paths.len());
    for p in paths {
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            owners.push((p.clone(), m.uid(), m.gid()));
            lchown(&p, uid, gid);
        }
    }
    let scratch = std::env::temp_dir().join(format!(
        "octagit-sandbox-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    for sub in ["", "home", "tmp"] {
        let d = scratch.join(sub);
        std::fs::create_dir_all(&d)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
        lchown(&d, uid, gid);
    }
    Ok(Lease {
        uid,
        root: root.to_path_buf(),
        root_owner: (meta.uid(), meta.gid()),
        owners,
        scratch,
    })
}

impl Lease {
    pub fn home(&self) -> PathBuf {
        self.scratch.join("home")
    }

    pub fn tmp(&self) -> PathBuf {
        self.scratch.join("tmp")
    }

    /// Kill what the command left running, delete what it left in the shared temporary
    /// directories, and give the workspace back.
    pub fn end(self) {
        kill_all(self.uid);
        // The workspace first: it may itself live under /tmp, and what the command made
        // there is kept (left out of the commit, listed), not deleted.
        for (p, u, g) in &self.owners {
            lchown(p, *u, *g);
        }
        let mut now = vec![];
        walk(&self.root, &mut now, true);
        for p in now {
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.uid() == self.uid) {
                lchown(&p, self.root_owner.0, self.root_owner.1);
            }
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
        for dir in ["/tmp", "/var/tmp", "/dev/shm"] {
            remove_owned_by(Path::new(dir), self.uid);
        }
    }
}

/// The uids commands run as: unused by any account, one per command, so that the clean-up
/// after one command ("every process and /tmp file of the uid") never touches another run's.
pub const UID_RANGE: std::ops::Range<u32> = 61_000..62_000;

/// A uid for one command: in [`UID_RANGE`], not an account, no process running as it.
pub fn pick_uid() -> Option<u32> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let taken = |uid: u32| {
        passwd
            .lines()
            .any(|l| l.split(':').nth(2) == Some(uid.to_string().as_str()))
            || has_processes(uid)
    };
    let span = UID_RANGE.end - UID_RANGE.start;
    let seed = std::process::id().wrapping_mul(7919);
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let uid = UID_RANGE.start + seed.wrapping_add(n) % span;
        if !taken(uid) {
            return Some(uid);
        }
    }
    None
}

fn has_processes(uid: u32) -> bool {
    std::fs::read_dir("/proc").is_ok_and(|rd| {
        rd.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
                && std::fs::metadata(e.path()).is_ok_and(|m| m.uid() == uid)
        })
    })
}

/// SIGKILL every process of `uid` (a daemon that left the process group included).
pub fn kill_all(uid: u32) {
    for _ in 0..20 {
        let mut found = false;
        if let Ok(rd) = std::fs::read_dir("/proc") {
            for e in rd.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                    continue;
                };
                if std::fs::metadata(e.path()).is_ok_and(|m| m.uid() == uid) {
                    found = true;
                    // SAFETY: kill(2) on a pid whose /proc entry is owned by the sandbox
                    // uid, which no account uses; at worst the pid just ended.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
        }
        if !found {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Remove every entry under `dir` owned by `uid` (a file planted for a later step).
pub fn remove_owned_by(dir: &Path, uid: u32) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let path = e.path();
        let Ok(m) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if m.uid() == uid {
            if m.is_dir() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        } else if m.is_dir() && m.mode() & 0o002 != 0 {
            // Only a world-writable directory can hold what the uid wrote.
            remove_owned_by(&path, uid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_hands_over_and_gives_back() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: chown needs root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let uid = crate::sandbox::detect::SANDBOX_UID;
        let l = lease(dir.path(), uid, uid).unwrap();
        let owner = |p: &Path| std::fs::metadata(p).unwrap().uid();
        assert_eq!(owner(&dir.path().join("a.txt")), uid);
        assert_eq!(owner(&dir.path().join(".git")), 0, ".git stays ours");
        assert_eq!(owner(&l.home()), uid);
        std::fs::write(dir.path().join("new.txt"), "y").unwrap();
        std::os::unix::fs::lchown(dir.path().join("new.txt"), Some(uid), Some(uid)).unwrap();
        let scratch = l.scratch.clone();
        l.end();
        assert_eq!(owner(&dir.path().join("a.txt")), 0);
        assert_eq!(owner(&dir.path().join("new.txt")), 0);
        assert!(!scratch.exists());
    }
}
