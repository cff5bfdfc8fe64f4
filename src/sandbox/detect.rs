//! Which isolation this machine allows, probed once per process: bubblewrap with new
//! namespaces, else a separate unprivileged uid when we are root, else none (with why).
//!
//! Facts (platform-facts.md): Docker's default seccomp profile refuses new user
//! namespaces to a container without CAP_SYS_ADMIN, and Ubuntu 24.04 restricts them for
//! unprivileged users through AppArmor, so bubblewrap often fails inside a container
//! action; root inside the container can still drop to another uid.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The variable that forces a level (`bubblewrap`, `user`, `none`; default `auto`). Set by
/// the workflow author or the tests, never by anything the agent controls.
pub const FORCE_VAR: &str = "OCTAGIT_SANDBOX";

/// The uid the probe for the separate-user level runs as (commands each get their own uid
/// from [`super::user::UID_RANGE`]).
pub const SANDBOX_UID: u32 = 61_337;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Bubblewrap,
    SeparateUser,
    #[default]
    None,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Bubblewrap => "bubblewrap",
            Level::SeparateUser => "separate_user",
            Level::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Isolation {
    pub level: Level,
    /// Why a stronger level is not used (also set when a level was forced).
    pub reason: Option<String>,
    /// The bubblewrap binary (bubblewrap level).
    pub bwrap: Option<PathBuf>,
    /// uid and gid (separate-user level).
    pub uid: Option<(u32, u32)>,
}

impl Isolation {
    pub fn none(reason: impl Into<String>) -> Isolation {
        Isolation {
            level: Level::None,
            reason: Some(reason.into()),
            bwrap: None,
            uid: None,
        }
    }
}

/// What the probes found, once per process.
struct Probes {
    bwrap: Result<PathBuf, String>,
    user: Result<(u32, u32), String>,
}

fn probes() -> &'static Probes {
    static P: OnceLock<Probes> = OnceLock::new();
    P.get_or_init(|| Probes {
        bwrap: probe_bwrap(),
        user: probe_user(),
    })
}

/// The strongest level available, or the one forced by `OCTAGIT_SANDBOX`. A forced level
/// the machine cannot offer falls back to the next one down, and says so.
pub fn detect() -> Isolation {
    let forced = std::env::var(FORCE_VAR)
        .ok()
        .map(|v| v.trim().to_ascii_lowercase());
    let p = probes();
    let bwrap = || match &p.bwrap {
        Ok(path) => Ok(Isolation {
            level: Level::Bubblewrap,
            reason: None,
            bwrap: Some(path.clone()),
            uid: None,
        }),
        Err(e) => Err(format!("bubblewrap: {e}")),
    };
    let user = || match &p.user {
        Ok(uid) => Ok(Isolation {
            level: Level::SeparateUser,
            reason: None,
            bwrap: None,
            uid: Some(*uid),
        }),
        Err(e) => Err(format!("separate user: {e}")),
    };
    match forced.as_deref() {
        Some("none") => Isolation::none(format!("{FORCE_VAR}=none")),
        Some("user") | Some("separate_user") | Some("separate-user") => user()
            .map(|mut i| {
                i.reason = Some(format!("{FORCE_VAR}=user"));
                i
            })
            .unwrap_or_else(Isolation::none),
        Some("bubblewrap") | Some("bwrap") => bwrap()
            .or_else(|e| {
                user().map_err(|e2| format!("{e}; {e2}")).map(|mut i| {
                    i.reason = Some(e);
                    i
                })
            })
            .unwrap_or_else(Isolation::none),
        _ => match bwrap() {
            Ok(i) => i,
            Err(e) => match user() {
                Ok(mut i) => {
                    i.reason = Some(e);
                    i
                }
                Err(e2) => Isolation::none(format!("{e}; {e2}")),
            },
        },
    }
}

/// Each level and whether this machine offers it (with why not): for tests and
/// `octagit doctor`-style reports. `None` is always offered.
pub fn offered() -> Vec<(Level, Result<(), String>)> {
    let p = probes();
    vec![
        (
            Level::Bubblewrap,
            p.bwrap.as_ref().map(|_| ()).map_err(Clone::clone),
        ),
        (
            Level::SeparateUser,
            p.user.as_ref().map(|_| ()).map_err(Clone::clone),
        ),
        (Level::None, Ok(())),
    ]
}

/// Find bubblewrap and check that it can create the namespaces we use.
fn probe_bwrap() -> Result<PathBuf, String> {
    let path = find_in_path("bwrap").ok_or_else(|| {
        "`bwrap` is not installed (Debian/Ubuntu package `bubblewrap`)".to_string()
    })?;
    let mut cmd = Command::new(&path);
    cmd.args([
        "--unshare-user-try",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-net",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--",
        "/bin/sh",
        "-c",
        "exit 0",
    ]);
    match run_probe(cmd, Duration::from_secs(10)) {
        Ok(()) => Ok(path),
        Err(e) => Err(format!(
            "the namespaces are refused here ({e}); a container needs a seccomp profile that allows user namespaces, Ubuntu 24.04 needs an AppArmor profile for bwrap"
        )),
    }
}

/// Root can run a command as another uid; check that it actually works (a user namespace
/// without a mapping, or a seccomp rule, can refuse setuid).
fn probe_user() -> Result<(u32, u32), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not running as root, so commands cannot run as another user".into());
    }
    if uid_taken(SANDBOX_UID) {
        return Err(format!(
            "uid {SANDBOX_UID} belongs to an account here; it must be unused"
        ));
    }
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "exit 0"])
        .uid(SANDBOX_UID)
        .gid(SANDBOX_UID)
        .current_dir("/");
    run_probe(cmd, Duration::from_secs(10)).map_err(|e| format!("setuid was refused: {e}"))?;
    Ok((SANDBOX_UID, SANDBOX_UID))
}

fn uid_taken(uid: u32) -> bool {
    std::fs::read_to_string("/etc/passwd").is_ok_and(|t| {
        t.lines()
            .any(|l| l.split(':').nth(2) == Some(uid.to_string().as_str()))
    })
}

fn run_probe(mut cmd: Command, timeout: Duration) -> Result<(), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut s) = child.stderr.take() {
                    use std::io::Read;
                    let _ = s.read_to_string(&mut err);
                }
                let err = err.trim().lines().next().unwrap_or("").to_string();
                return Err(if err.is_empty() {
                    status.to_string()
                } else {
                    err
                });
            }
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the probe did not finish".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/bin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_names_a_level_and_says_why_when_weaker() {
        let i = detect();
        match i.level {
            Level::Bubblewrap => assert!(i.bwrap.is_some()),
            Level::SeparateUser => assert!(i.uid.is_some() && i.reason.is_some()),
            Level::None => assert!(i.reason.is_some()),
        }
        eprintln!("isolation here: {:?} ({:?})", i.level, i.reason);
    }

    #[test]
    fn uid_lookup_reads_passwd() {
        assert!(uid_taken(0) || !std::path::Path::new("/etc/passwd").exists());
    }
}
