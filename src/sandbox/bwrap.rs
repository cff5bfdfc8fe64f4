//! The bubblewrap command line for one command: new PID/IPC/UTS namespaces (so no other
//! process is visible, ours included), the whole filesystem read-only, the workspace
//! read-write with `.git/` read-only, private `/tmp` and `/var/tmp`, the Docker socket
//! hidden, and no network for tests unless the config allows it.

use std::ffi::OsString;
use std::path::Path;

use super::{Policy, Purpose};

/// Where writes that would have gone to a cache in `$HOME` go when `$HOME` is read-only.
pub const CACHE_DIR: &str = "/tmp/.cache";

/// Arguments for `bwrap`, ending with `-- sh -c <command>`.
/// `rw` are folders outside the workspace the command must write to (the gate's result
/// hooks), bound over the private `/tmp` at the same path.
pub fn args(
    policy: &Policy,
    purpose: Purpose,
    cwd: &Path,
    command: &str,
    rw: &[std::path::PathBuf],
) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |parts: &[&OsString]| {
        for p in parts {
            a.push((*p).clone());
        }
    };
    let s = |x: &str| OsString::from(x);
    let p = |x: &Path| OsString::from(x.as_os_str());
    let network = purpose == Purpose::Setup || policy.test_network;
    push(&[
        &s("--unshare-user-try"),
        &s("--unshare-pid"),
        &s("--unshare-ipc"),
        &s("--unshare-uts"),
        &s("--unshare-cgroup-try"),
        &s("--die-with-parent"),
        // A new session: no TIOCSTI into a terminal we might hold.
        &s("--new-session"),
    ]);
    if !network {
        push(&[&s("--unshare-net")]);
    }
    push(&[
        &s("--ro-bind"),
        &s("/"),
        &s("/"),
        &s("--dev"),
        &s("/dev"),
        &s("--proc"),
        &s("/proc"),
        &s("--tmpfs"),
        &s("/tmp"),
    ]);
    if Path::new("/var/tmp").is_dir() {
        push(&[&s("--tmpfs"), &s("/var/tmp")]);
    }
    // A container action gets the host's Docker socket: with it a command could start a
    // privileged container, whatever the namespaces.
    for sock in ["/var/run/docker.sock", "/run/docker.sock"] {
        if Path::new(sock)
            .symlink_metadata()
            .is_ok_and(|m| !m.is_dir())
        {
            push(&[&s("--ro-bind"), &s("/dev/null"), &s(sock)]);
        }
    }
    // Setup installs into $HOME (pip --user, npm caches) before any model code exists;
    // tests run with $HOME read-only and caches under the private /tmp.
    if purpose == Purpose::Setup
        && let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty() && h != "/")
        && Path::new(&home).is_dir()
    {
        push(&[&s("--bind"), &home, &home]);
    }
    let ws = &policy.workspace;
    push(&[&s("--bind"), &p(ws), &p(ws)]);
    for ro in [".git", ".octagit"] {
        let inner = ws.join(ro);
        if inner.symlink_metadata().is_ok() {
            push(&[&s("--ro-bind"), &p(&inner), &p(&inner)]);
        }
    }
    for dir in rw.iter().filter(|d| d.is_dir()) {
        push(&[&s("--bind"), &p(dir), &p(dir)]);
    }
    push(&[
        &s("--chdir"),
        &p(cwd),
        &s("--"),
        &s("sh"),
        &s("-c"),
        &s(command),
    ]);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Isolation, Level};

    fn policy(ws: &Path, net: bool) -> Policy {
        Policy {
            isolation: Isolation {
                level: Level::Bubblewrap,
                reason: None,
                bwrap: Some("/usr/bin/bwrap".into()),
                uid: None,
            },
            workspace: ws.to_path_buf(),
            test_network: net,
            pass_env: vec![],
        }
    }

    fn joined(a: &[OsString]) -> String {
        a.iter()
            .map(|x| x.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tests_lose_the_network_and_setup_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let t = joined(&args(
            &policy(dir.path(), false),
            Purpose::Test,
            dir.path(),
            "true",
            &[],
        ));
        assert!(t.contains("--unshare-net"), "{t}");
        assert!(t.contains("--unshare-pid"));
        let git = dir.path().join(".git").display().to_string();
        assert!(t.contains(&format!("--ro-bind {git} {git}")), "{t}");
        assert!(t.ends_with("-- sh -c true"), "{t}");
        let s = joined(&args(
            &policy(dir.path(), false),
            Purpose::Setup,
            dir.path(),
            "true",
            &[],
        ));
        assert!(!s.contains("--unshare-net"), "{s}");
        let n = joined(&args(
            &policy(dir.path(), true),
            Purpose::Test,
            dir.path(),
            "true",
            &[],
        ));
        assert!(!n.contains("--unshare-net"), "{n}");
    }
}
