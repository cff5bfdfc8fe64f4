//! Running one shell command the way the gate needs it: `sh -c` in its own process group
//! (so a timeout kills the command and everything it started), with an allowlisted
//! environment ([`crate::sandbox::env`]), inside the run's sandbox when one is in force
//! ([`crate::sandbox::scope`]: bubblewrap or a separate user), stdout and stderr
//! interleaved in one pipe, and the output kept within a limit that says what it dropped.

use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sandbox::{Level, Purpose};

/// How long to wait for the output pipe to close after the command ended and its group was
/// killed. Only a process that left the group (setsid) can hold it open longer.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq)]
pub struct ProcessResult {
    /// `None` when the command was killed by a signal, timed out, or could not start.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// stdout and stderr as they were written (one pipe), redacted; when longer than the
    /// limit, the head and the tail are kept and the cut is said in the text.
    pub output: String,
    /// Bytes left out of `output`.
    pub truncated_bytes: usize,
    pub duration: Duration,
    /// Why the command could not run at all (no `sh`, bad working directory).
    pub spawn_error: Option<String>,
}

impl ProcessResult {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

/// Options beyond the common four. `base_env` replaces the inherited environment (before
/// secrets are removed); tests use it to prove the filter without mutating this process.
#[derive(Debug, Clone, Default)]
pub struct ShellOptions {
    pub base_env: Option<Vec<(String, String)>>,
    /// Added after filtering (never filtered: the caller chose them).
    pub extra_env: Vec<(String, String)>,
    /// Folders outside the workspace the command writes to (the gate's result hooks):
    /// bound into the bubblewrap sandbox, handed to the separate user for the command.
    pub rw_dirs: Vec<std::path::PathBuf>,
}

/// Run `command` with `sh -c` in `cwd`. Never panics and never returns an error: a command
/// that cannot start comes back with `spawn_error` set and a message in `output`.
pub async fn run_shell(
    command: &str,
    cwd: &Path,
    timeout: Duration,
    output_limit: usize,
) -> ProcessResult {
    run_shell_with(
        command,
        cwd,
        timeout,
        output_limit,
        &ShellOptions::default(),
    )
    .await
}

/// The environment a command gets: `base` through the allowlist (no credential, no runner
/// file command), plus settings that keep test runners non-interactive and their output
/// parseable.
pub fn clean_env(base: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    crate::sandbox::env::allowlisted(base, &[])
}

pub async fn run_shell_with(
    command: &str,
    cwd: &Path,
    timeout: Duration,
    output_limit: usize,
    opts: &ShellOptions,
) -> ProcessResult {
    let started = Instant::now();
    let failed = |message: String| ProcessResult {
        exit_code: None,
        timed_out: false,
        output: crate::secret::redact(&message),
        truncated_bytes: 0,
        duration: started.elapsed(),
        spawn_error: Some(crate::secret::redact(&message)),
    };

    let (reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return failed(format!("cannot create a pipe for `{command}`: {e}")),
    };
    let base = match &opts.base_env {
        Some(b) => b.clone(),
        None => std::env::vars().collect(),
    };
    // The run's sandbox applies to commands in its workspace (not to a library caller's
    // own commands elsewhere).
    let sandbox = crate::sandbox::current().filter(|(p, _)| cwd.starts_with(&p.workspace));
    let pass_env = sandbox
        .as_ref()
        .map(|(p, _)| p.pass_env.clone())
        .unwrap_or_default();
    let mut env = crate::sandbox::env::allowlisted(base, &pass_env);
    env.extend(opts.extra_env.iter().cloned());
    let set = |env: &mut Vec<(String, String)>, k: &str, v: String| {
        env.retain(|(name, _)| name != k);
        env.push((k.to_string(), v));
    };
    let mut lease = None;
    let mut cmd = match &sandbox {
        Some((policy, purpose)) if policy.isolation.level == Level::Bubblewrap => {
            let bwrap = policy
                .isolation
                .bwrap
                .clone()
                .unwrap_or_else(|| "bwrap".into());
            let mut cmd = tokio::process::Command::new(bwrap);
            cmd.args(crate::sandbox::bwrap::args(
                policy,
                *purpose,
                cwd,
                command,
                &opts.rw_dirs,
            ));
            // /tmp is private inside; $HOME is read-only for tests, so caches go to /tmp.
            set(&mut env, "TMPDIR", "/tmp".into());
            if *purpose == Purpose::Test {
                // Go, pip and most tools follow XDG_CACHE_HOME; npm has its own setting.
                for (k, v) in [
                    (
                        "XDG_CACHE_HOME",
                        crate::sandbox::bwrap::CACHE_DIR.to_string(),
                    ),
                    (
                        "npm_config_cache",
                        format!("{}/npm", crate::sandbox::bwrap::CACHE_DIR),
                    ),
                ] {
                    if !env.iter().any(|(name, _)| name == k) {
                        env.push((k.into(), v));
                    }
                }
            }
            cmd
        }
        Some((policy, _)) if policy.isolation.level == Level::SeparateUser => {
            // A fresh uid per command: the clean-up after it must not hit another run's.
            let Some(uid) = crate::sandbox::user::pick_uid() else {
                return failed(
                    "no free uid for the sandbox user (61000-61999 are all in use); set OCTAGIT_SANDBOX=none to run unisolated".into(),
                );
            };
            let gid = uid;
            let root = policy.workspace.clone();
            let l = match tokio::task::spawn_blocking(move || {
                crate::sandbox::user::lease(&root, uid, gid)
            })
            .await
            {
                Ok(Ok(l)) => l,
                Ok(Err(e)) => {
                    return failed(format!(
                        "cannot hand the workspace to the sandbox user (uid {uid}): {e}; set OCTAGIT_SANDBOX=none to run unisolated"
                    ));
                }
                Err(e) => return failed(format!("the sandbox set-up stopped: {e}")),
            };
            for dir in &opts.rw_dirs {
                // A fresh private temp folder of ours: the uid may write its results there.
                let _ = std::os::unix::fs::chown(dir, Some(uid), Some(gid));
            }
            set(&mut env, "HOME", l.home().display().to_string());
            set(&mut env, "TMPDIR", l.tmp().display().to_string());
            set(
                &mut env,
                "XDG_CACHE_HOME",
                l.home().join(".cache").display().to_string(),
            );
            let mut cmd = tokio::process::Command::new("sh");
            cmd.arg("-c").arg(command).uid(uid).gid(gid);
            lease = Some(LeaseGuard(Some(l)));
            cmd
        }
        _ => {
            let mut cmd = tokio::process::Command::new("sh");
            cmd.arg("-c").arg(command);
            cmd
        }
    };
    let mut child = {
        // The Command holds the write end of the pipe; it must be dropped right after the
        // spawn, or the reader would never see end-of-file.
        cmd.current_dir(cwd);
        cmd.env_clear().envs(env);
        let stderr = match writer.try_clone() {
            Ok(w) => w,
            Err(e) => return failed(format!("cannot duplicate the output pipe: {e}")),
        };
        cmd.stdin(Stdio::null()).stdout(writer).stderr(stderr);
        cmd.process_group(0);
        let spawned = cmd.spawn();
        drop(cmd);
        match spawned {
            Ok(c) => c,
            Err(e) => {
                return failed(format!(
                    "cannot start `sh -c {command}` in {}: {e}",
                    cwd.display()
                ));
            }
        }
    };
    let pgid = child.id().map(|id| id as i32);
    let guard = GroupGuard { pgid };

    // A plain thread, not tokio's blocking pool: if a process that left the group keeps the
    // pipe open, the pool would make the runtime's shutdown wait for it.
    let capture = Arc::new(Mutex::new(Capture::new(output_limit.max(64))));
    let (tx, drained) = tokio::sync::oneshot::channel::<()>();
    let shared = Arc::clone(&capture);
    let spawned = std::thread::Builder::new()
        .name("octagit-output".into())
        .spawn(move || {
            drain_pipe(reader, &shared);
            let _ = tx.send(());
        });
    if let Err(e) = spawned {
        return failed(format!(
            "cannot start a thread to read the output of `{command}`: {e}"
        ));
    }

    let (status, timed_out) = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => (status.ok(), false),
        Err(_) => {
            guard.kill();
            (child.wait().await.ok(), true)
        }
    };
    // Whatever the shell left running in the background dies with it.
    guard.kill();
    drop(guard);
    if let Some(mut l) = lease.take()
        && let Some(l) = l.0.take()
    {
        let _ = tokio::task::spawn_blocking(move || l.end()).await;
    }

    let held_open = tokio::time::timeout(DRAIN_GRACE, drained).await.is_err();
    let (mut output, truncated_bytes) = capture.lock().unwrap_or_else(|e| e.into_inner()).render();
    if held_open {
        output.push_str(
            "\n[output may be incomplete: a process that left the command's process group keeps its output open]",
        );
    }
    if timed_out {
        output.push_str(&format!(
            "\n[killed: the command ran longer than {}s; its whole process group was stopped]",
            timeout.as_secs()
        ));
    }
    ProcessResult {
        exit_code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        timed_out,
        output: crate::secret::redact(&output),
        truncated_bytes,
        duration: started.elapsed(),
        spawn_error: None,
    }
}

/// Gives the workspace back if the command's future is dropped mid-way (a cancelled run).
struct LeaseGuard(Option<crate::sandbox::user::Lease>);

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if let Some(l) = self.0.take() {
            l.end();
        }
    }
}

/// Kills the process group when dropped, so a cancelled run leaves no test processes behind.
struct GroupGuard {
    pgid: Option<i32>,
}

impl GroupGuard {
    fn kill(&self) {
        if let Some(pgid) = self.pgid
            && pgid > 1
        {
            // SAFETY: kill(2) with a negative pid signals that process group only. The group
            // id is our child's pid; a group id is not reused while any member lives, and the
            // calls happen right after the child ends, so no unrelated group is hit.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Output kept while it streams in: the first quarter and the last three quarters of the
/// limit. The head shows what started, the tail holds the runner's summary.
struct Capture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_cap: usize,
    tail_cap: usize,
    total: usize,
}

impl Capture {
    fn new(limit: usize) -> Capture {
        let head_cap = limit / 4;
        Capture {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_cap,
            tail_cap: limit - head_cap,
            total: 0,
        }
    }

    fn push(&mut self, mut chunk: &[u8]) {
        self.total += chunk.len();
        if self.head.len() < self.head_cap {
            let take = (self.head_cap - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        self.tail.extend(chunk);
        if self.tail.len() > self.tail_cap {
            let excess = self.tail.len() - self.tail_cap;
            self.tail.drain(..excess);
        }
    }

    /// The kept text, with the cut said, and the number of bytes left out.
    fn render(&self) -> (String, usize) {
        let dropped = self.total - self.head.len() - self.tail.len();
        let (a, b) = self.tail.as_slices();
        let tail = [a, b].concat();
        if dropped == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(&tail);
            return (String::from_utf8_lossy(&all).into_owned(), 0);
        }
        let text = format!(
            "{}\n[truncated: {dropped} bytes of output left out here]\n{}",
            String::from_utf8_lossy(&self.head),
            String::from_utf8_lossy(&tail)
        );
        (text, dropped)
    }
}

fn drain_pipe(mut reader: std::io::PipeReader, capture: &Mutex<Capture>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => capture
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exit_code_and_interleaved_output() {
        let dir = tempfile::tempdir().unwrap();
        let r = run_shell(
            "echo out; echo err >&2; exit 3",
            dir.path(),
            Duration::from_secs(10),
            4096,
        )
        .await;
        assert_eq!(r.exit_code, Some(3));
        assert!(!r.timed_out && !r.success());
        assert_eq!(r.output, "out\nerr\n");
        assert_eq!(r.truncated_bytes, 0);
    }

    #[tokio::test]
    async fn long_output_keeps_head_and_tail_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let r = run_shell(
            "echo FIRST; seq 1 20000; echo LAST",
            dir.path(),
            Duration::from_secs(10),
            1000,
        )
        .await;
        assert!(r.success());
        assert!(r.output.starts_with("FIRST\n"), "{}", &r.output[..50]);
        assert!(r.output.ends_with("LAST\n"));
        assert!(r.truncated_bytes > 100_000);
        assert!(
            r.output
                .contains(&format!("[truncated: {} bytes", r.truncated_bytes))
        );
    }

    #[tokio::test]
    async fn missing_directory_is_a_spawn_error() {
        let r = run_shell(
            "true",
            Path::new("/nonexistent/octagit"),
            Duration::from_secs(5),
            100,
        )
        .await;
        assert!(r.spawn_error.is_some());
        assert!(r.output.contains("/nonexistent/octagit"));
        assert!(!r.success());
    }

    /// Under bubblewrap the test command has no network, setup and `test_network: true`
    /// do. Skipped (with the reason) where this machine cannot run bubblewrap.
    #[tokio::test]
    async fn bubblewrap_network_follows_the_purpose_and_the_config() {
        use crate::sandbox::{Level, Policy, Purpose, detect::offered};
        if let Some((_, Err(why))) = offered().into_iter().find(|(l, _)| *l == Level::Bubblewrap) {
            eprintln!("skipped: bubblewrap is not available here: {why}");
            return;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || for _ in listener.incoming() {});
        let dir = tempfile::tempdir().unwrap();
        let cmd = format!("bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' && echo CONNECTED");
        let policy = |net: bool| Policy {
            isolation: crate::sandbox::detect(),
            workspace: dir.path().to_path_buf(),
            test_network: net,
            pass_env: vec![],
        };
        let isolation = crate::sandbox::detect();
        if isolation.level != Level::Bubblewrap {
            eprintln!("skipped: OCTAGIT_SANDBOX chose {:?}", isolation.level);
            return;
        }
        let run = |net: bool, purpose: Purpose| {
            let cmd = cmd.clone();
            let p = policy(net);
            let d = dir.path().to_path_buf();
            async move {
                let f = run_shell(&cmd, &d, Duration::from_secs(20), 4096);
                match purpose {
                    Purpose::Setup => crate::sandbox::scope(p, crate::sandbox::as_setup(f)).await,
                    Purpose::Test => crate::sandbox::scope(p, f).await,
                }
            }
        };
        let off = run(false, Purpose::Test).await;
        assert!(!off.output.contains("CONNECTED"), "{}", off.output);
        let setup = run(false, Purpose::Setup).await;
        assert!(setup.output.contains("CONNECTED"), "{}", setup.output);
        let on = run(true, Purpose::Test).await;
        assert!(on.output.contains("CONNECTED"), "{}", on.output);
    }

    #[test]
    fn clean_env_drops_secrets_and_keeps_the_rest() {
        let env = clean_env(vec![
            ("PATH".to_string(), "/bin".to_string()),
            ("OPENAI_API_KEY".to_string(), "x".to_string()),
            ("GITHUB_TOKEN".to_string(), "x".to_string()),
            ("INPUT_ANTHROPIC-API-KEY".to_string(), "x".to_string()),
            ("CI".to_string(), "false".to_string()),
        ]);
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert!(names.contains(&"PATH"));
        assert!(
            !names
                .iter()
                .filter(|n| !n.starts_with("GIT_CONFIG_KEY_"))
                .any(|n| n.contains("KEY") || n.contains("TOKEN")),
            "{names:?}"
        );
        assert!(
            env.contains(&("CI".to_string(), "false".to_string())),
            "caller's CI is kept"
        );
    }
}
