//! The checkout's persisted credentials, out of reach of the commands for the run.

use std::path::Path;

use git2::Repository;

/// The checkout's persisted credentials, out of its git config for the run.
///
/// `actions/checkout` keeps the token in `.git/config` by default
/// (`http.https://github.com/.extraheader` = `AUTHORIZATION: basic base64(x-access-token:
/// <token>)`; newer versions in a file pulled in by `includeIf`), and a checkout can carry
/// tokens in `url.*.insteadOf` bases, remote URLs or credential helpers. Any process in
/// the workspace could read them. [`CredentialScrub::take`] removes them from every such
/// file (values registered for redaction first) and restores each file's exact bytes when
/// dropped: at the end of the run, on an early return and on a panic. The push gets the
/// token in memory through git2's credential callback instead.
#[derive(Debug, Default)]
pub struct CredentialScrub {
    saved: Vec<(std::path::PathBuf, Vec<u8>)>,
    /// What was removed, by config key (never the value).
    pub removed: Vec<String>,
}

/// How an entry holds a credential.
enum Scrub {
    Remove,
    Rewrite(String),
}

/// A URL with a user-info part (`https://user:token@host/`), without it.
fn strip_userinfo(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(host_end);
    let at = auth.rfind('@')?;
    Some(format!("{scheme}://{}{tail}", &auth[at + 1..]))
}

fn classify(name: &str, value: &str) -> Option<Scrub> {
    let n = name.to_ascii_lowercase();
    // `section.subsection.key`: the subsection (a URL here) keeps its case and its dots.
    let subsection = match (name.find('.'), name.rfind('.')) {
        (Some(first), Some(last)) if last > first => Some(&name[first + 1..last]),
        _ => None,
    };
    if n.starts_with("http.") && n.ends_with(".extraheader") {
        return Some(Scrub::Remove);
    }
    if n.starts_with("credential.") {
        return Some(Scrub::Remove);
    }
    if n.starts_with("url.")
        && (n.ends_with(".insteadof") || n.ends_with(".pushinsteadof"))
        && subsection.is_some_and(|b| strip_userinfo(b).is_some())
    {
        return Some(Scrub::Remove);
    }
    if n.starts_with("remote.") && (n.ends_with(".url") || n.ends_with(".pushurl")) {
        return strip_userinfo(value).map(Scrub::Rewrite);
    }
    None
}

/// The config text without section headers that have no entries under them.
fn drop_empty_sections(text: &str) -> String {
    let mut out = String::new();
    let mut pending: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            pending = Some(line);
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            if pending.is_none() {
                out.push_str(line);
            }
            continue;
        }
        if let Some(h) = pending.take() {
            out.push_str(h);
        }
        out.push_str(line);
    }
    out
}

/// Register what a credential entry holds: the header's basic-auth token too.
fn register_credential(value: &str) {
    use base64::Engine;
    crate::secret::register(value);
    if let Some(b64) = value.split_whitespace().last()
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64)
        && let Ok(text) = String::from_utf8(raw)
    {
        crate::secret::register(&text);
        if let Some((_, token)) = text.split_once(':') {
            crate::secret::register(token);
        }
    }
    if let Some(rest) = value.split_once("://").map(|(_, r)| r)
        && let Some((auth, _)) = rest.split_once('@')
    {
        if let Some((_, pass)) = auth.split_once(':') {
            crate::secret::register(pass);
        }
        crate::secret::register(auth);
    }
}

impl CredentialScrub {
    /// Scrub the repository's config and the files it includes.
    pub fn take(repo: &Path) -> CredentialScrub {
        let mut s = CredentialScrub::default();
        let Ok(r) = Repository::open(repo) else {
            return s;
        };
        let mut files = vec![r.path().join("config"), r.path().join("config.worktree")];
        let mut i = 0;
        while i < files.len() {
            let file = files[i].clone();
            i += 1;
            if !file.is_file() || files[..i - 1].contains(&file) {
                continue;
            }
            for inc in s.scrub_file(&file) {
                if !files.contains(&inc) {
                    files.push(inc);
                }
            }
        }
        s
    }

    /// Scrub one file; returns the files it includes.
    fn scrub_file(&mut self, file: &Path) -> Vec<std::path::PathBuf> {
        let Ok(original) = std::fs::read(file) else {
            return vec![];
        };
        let Ok(mut cfg) = git2::Config::open(file) else {
            return vec![];
        };
        let mut actions: Vec<(String, Scrub, String)> = Vec::new();
        let mut includes = Vec::new();
        if let Ok(mut entries) = cfg.entries(None) {
            while let Some(Ok(e)) = entries.next() {
                let (Ok(name), Ok(value)) = (e.name(), e.value()) else {
                    continue;
                };
                let lower = name.to_ascii_lowercase();
                if lower == "include.path"
                    || (lower.starts_with("includeif.") && lower.ends_with(".path"))
                {
                    let p = if let Some(rest) = value.strip_prefix("~/") {
                        std::env::var_os("HOME")
                            .map(|h| Path::new(&h).join(rest))
                            .unwrap_or_else(|| Path::new(value).to_path_buf())
                    } else {
                        file.parent().unwrap_or(Path::new("/")).join(value)
                    };
                    includes.push(p);
                    continue;
                }
                if let Some(a) = classify(name, value) {
                    actions.push((name.to_string(), a, value.to_string()));
                }
            }
        }
        if actions.is_empty() {
            return includes;
        }
        self.saved.push((file.to_path_buf(), original));
        for (name, action, value) in actions {
            register_credential(&value);
            let done = match &action {
                Scrub::Remove => cfg.remove_multivar(&name, ".*").is_ok(),
                Scrub::Rewrite(v) => cfg.set_str(&name, v).is_ok(),
            };
            if done && !self.removed.contains(&name) {
                self.removed.push(crate::secret::redact(&name));
            }
        }
        drop(cfg);
        // A removed `url."https://user:token@host/".insteadOf` leaves its section header,
        // which holds the token itself: drop every section left empty.
        if let Ok(text) = std::fs::read_to_string(file) {
            let _ = std::fs::write(file, drop_empty_sections(&text));
        }
        includes
    }

    /// Put every scrubbed file back as it was (also undoing anything written to it since).
    pub fn restore(&mut self) {
        for (file, bytes) in self.saved.drain(..) {
            if let Err(e) = std::fs::write(&file, &bytes) {
                eprintln!(
                    "warning: could not restore {}: {e}; its credentials were removed for the run",
                    file.display()
                );
            }
        }
    }
}

impl Drop for CredentialScrub {
    fn drop(&mut self) {
        self.restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn repo_with_remote() -> (tempfile::TempDir, ()) {
        let work = tempfile::tempdir().unwrap();
        git(work.path(), &["init", "-q", "-b", "main"]);
        (work, ())
    }

    #[test]
    fn persisted_credentials_leave_the_config_and_come_back() {
        let (work, _bare) = repo_with_remote();
        let w = work.path();
        let header =
            "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NjcnViVG9rZW4wMTIzNDU2Nzg5YWJj";
        git(
            w,
            &["config", "http.https://github.com/.extraheader", header],
        );
        git(
            w,
            &[
                "config",
                "url.https://x-access-token:ghs_insteadOfTok123456@github.com/.insteadOf",
                "https://github.com/",
            ],
        );
        git(w, &["config", "credential.helper", "store"]);
        git(
            w,
            &[
                "config",
                "remote.up.url",
                "https://u:ghs_remoteTok1234567@github.com/o/r.git",
            ],
        );
        let inc = w.join("creds.config");
        std::fs::write(
            &inc,
            format!("[http \"https://github.com/\"]\n\textraheader = {header}\n"),
        )
        .unwrap();
        git(
            w,
            &["config", "includeIf.gitdir:/.path", inc.to_str().unwrap()],
        );
        let before = std::fs::read(w.join(".git/config")).unwrap();
        let inc_before = std::fs::read(&inc).unwrap();
        {
            let s = CredentialScrub::take(w);
            let now = std::fs::read_to_string(w.join(".git/config")).unwrap();
            for gone in ["extraheader", "insteadOfTok", "helper", "ghs_remoteTok"] {
                assert!(!now.contains(gone), "{gone} still in:\n{now}");
            }
            assert!(now.contains("https://github.com/o/r.git"), "{now}");
            assert!(
                !std::fs::read_to_string(&inc)
                    .unwrap()
                    .contains("extraheader")
            );
            assert!(s.removed.len() >= 4, "{:?}", s.removed);
            // The header's token was registered for redaction.
            assert!(crate::secret::contains_secret(
                "ghs_scrubToken0123456789abc"
            ));
            std::fs::write(w.join(".git/config"), "tampered").unwrap();
        }
        assert_eq!(std::fs::read(w.join(".git/config")).unwrap(), before);
        assert_eq!(std::fs::read(&inc).unwrap(), inc_before);
    }
}
