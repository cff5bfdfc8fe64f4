//! Credentials leave the process environment before anything else runs.
//!
//! `/proc/<pid>/environ` shows a process's environment as it was at `execve`: removing a
//! variable later (`unsetenv`) does not change it, and any same-uid process can read it
//! (platform-facts.md). So at start, when credential-named variables are present, OctaGit
//! writes them to an anonymous memory file (memfd; a pipe where memfd is unavailable),
//! and re-executes itself with an environment free of them and the descriptor number in
//! [`FD_VAR`]. The new image reads the values back into its own memory (`setenv` writes
//! to the heap, not to the exec-time block that `/proc` shows), closes the descriptor
//! and goes on. Every `octagit` process's `/proc/self/environ` is then clean.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, IntoRawFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::atomic::{AtomicBool, Ordering};

/// The descriptor that carries the credentials into the re-executed image.
pub const FD_VAR: &str = "OCTAGIT_SECRET_FD";

static HANDED_OFF: AtomicBool = AtomicBool::new(false);

/// Whether this process received its credentials through the handoff (their names are
/// absent from its exec-time environment).
pub fn handed_off() -> bool {
    HANDED_OFF.load(Ordering::Relaxed)
}

/// Variables that move: every credential-shaped name, and the runner's credentials.
pub fn moves(name: &str) -> bool {
    crate::secret::is_secret_env_name(name)
        || name.starts_with("ACTIONS_ID_TOKEN_REQUEST_")
        || name == "ACTIONS_RUNTIME_TOKEN"
        || name == "ACTIONS_CACHE_URL"
        || name == "ACTIONS_RESULTS_URL"
}

/// Call first thing in `main`, while the process has one thread. Returns only in the
/// re-executed image (or when there is nothing to move, or the re-exec failed: then a
/// warning is printed and the run goes on as before).
pub fn enter() {
    if let Some(fd) = std::env::var_os(FD_VAR) {
        receive(&fd);
        return;
    }
    let moving: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, v)| k.to_str().is_some_and(moves) && !v.is_empty())
        .collect();
    if moving.is_empty() {
        return;
    }
    if let Err(e) = reexec(&moving) {
        eprintln!(
            "warning: OctaGit could not move the credentials out of its environment ({e}); /proc/<pid>/environ still shows them"
        );
    }
}

fn encode(vars: &[(OsString, OsString)]) -> Vec<u8> {
    let mut buf = Vec::new();
    for (k, v) in vars {
        buf.extend_from_slice(k.as_bytes());
        buf.push(b'=');
        buf.extend_from_slice(v.as_bytes());
        buf.push(0);
    }
    buf
}

fn decode(buf: &[u8]) -> Vec<(OsString, OsString)> {
    buf.split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let i = e.iter().position(|b| *b == b'=')?;
            Some((
                OsString::from_vec(e[..i].to_vec()),
                OsString::from_vec(e[i + 1..].to_vec()),
            ))
        })
        .collect()
}

/// A descriptor holding `data`, positioned at its start, inherited across exec.
fn carrier(data: &[u8]) -> std::io::Result<RawFd> {
    // SAFETY: memfd_create with a static NUL-terminated name and no flags (so the fd
    // survives exec, which is the point).
    let fd = unsafe { libc::memfd_create(c"octagit-secrets".as_ptr(), 0) };
    if fd >= 0 {
        // SAFETY: fd is a fresh descriptor we own.
        let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
        f.write_all(data)?;
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(0))?;
        return Ok(f.into_raw_fd());
    }
    // No memfd (old kernel, seccomp): a pipe holds up to 64 KiB, far more than keys need.
    let (r, mut w) = std::io::pipe()?;
    if data.len() > 60_000 {
        return Err(std::io::Error::other(
            "the credentials do not fit in a pipe",
        ));
    }
    w.write_all(data)?;
    drop(w);
    let fd = r.into_raw_fd();
    // SAFETY: clear FD_CLOEXEC on our own descriptor so the new image inherits it.
    unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
    Ok(fd)
}

fn reexec(moving: &[(OsString, OsString)]) -> Result<(), String> {
    let fd = carrier(&encode(moving)).map_err(|e| e.to_string())?;
    use std::os::unix::process::CommandExt;
    let exe = std::fs::read_link("/proc/self/exe")
        .ok()
        .filter(|p| p.exists())
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("/proc/self/exe"));
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| exe.clone());
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg0(&argv0).args(args);
    for (k, _) in moving {
        cmd.env_remove(k);
    }
    cmd.env(FD_VAR, fd.to_string());
    // exec only returns on failure.
    let err = cmd.exec();
    // SAFETY: our own descriptor, not used after this.
    unsafe { libc::close(fd) };
    Err(err.to_string())
}

fn receive(fd: &OsStr) {
    // SAFETY: single-threaded start of main: nothing else reads the environment yet.
    unsafe { std::env::remove_var(FD_VAR) };
    let Some(fd) = fd
        .to_str()
        .and_then(|s| s.parse::<RawFd>().ok())
        .filter(|f| *f > 2)
    else {
        return;
    };
    // SAFETY: fstat on a descriptor number from our own parent image; a bad number fails.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return;
    }
    // SAFETY: the descriptor was inherited for us alone; the File closes it on drop, so
    // no command we start inherits it.
    let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
    let mut buf = Vec::new();
    if f.read_to_end(&mut buf).is_err() {
        return;
    }
    drop(f);
    for (k, v) in decode(&buf) {
        if let Some(value) = v.to_str() {
            crate::secret::register(value);
        }
        // SAFETY: as above, single-threaded; the value lives in the heap, not in the
        // exec-time block that /proc/<pid>/environ shows.
        unsafe { std::env::set_var(&k, &v) };
    }
    buf.fill(0);
    HANDED_OFF.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_values_with_equals_and_newlines() {
        let vars = vec![
            (OsString::from("A_TOKEN"), OsString::from("x=y\nz")),
            (
                OsString::from("INPUT_OPENAI-API-KEY"),
                OsString::from("sk-1"),
            ),
        ];
        assert_eq!(decode(&encode(&vars)), vars);
    }

    #[test]
    fn the_carrier_holds_the_bytes() {
        let fd = carrier(b"K=v\0").unwrap();
        // SAFETY: our own fresh descriptor.
        let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "K=v\0");
    }

    #[test]
    fn credential_names_move() {
        assert!(moves("INPUT_GITHUB-TOKEN"));
        assert!(moves("ACTIONS_ID_TOKEN_REQUEST_URL"));
        assert!(moves("OPENAI_API_KEY"));
        assert!(!moves("PATH"));
        assert!(!moves("GITHUB_OUTPUT"));
    }
}
