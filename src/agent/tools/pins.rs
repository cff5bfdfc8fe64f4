//! The content of each file as the agent's own edit tools last wrote it. Test code the
//! agent runs can rewrite a file after the agent edited it; what gets committed must be
//! what the agent wrote, so the commit step compares the working tree with these pins and
//! refuses (or restores) a file that drifted.

use std::collections::BTreeMap;
use std::path::Path;

/// Root-relative path → the bytes the agent's last write left there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentPins {
    files: BTreeMap<String, Pinned>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pinned {
    hash: blake3::Hash,
    // Kept, not only hashed, so a drifted file can be put back; edits are at most
    // MAX_EDIT_BYTES each.
    bytes: Vec<u8>,
}

/// A pinned file whose working-tree content is no longer what the agent wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Different bytes (or unreadable).
    Changed(String),
    /// No longer there.
    Deleted(String),
}

impl Drift {
    pub fn path(&self) -> &str {
        match self {
            Drift::Changed(p) | Drift::Deleted(p) => p,
        }
    }
}

impl ContentPins {
    /// The agent just wrote `bytes` to `rel`.
    pub(crate) fn record(&mut self, rel: &str, bytes: &[u8]) {
        self.files.insert(
            rel.to_string(),
            Pinned {
                hash: blake3::hash(bytes),
                bytes: bytes.to_vec(),
            },
        );
    }

    /// The hash of what the agent last wrote to `rel` (root-relative, `/`-separated).
    pub fn hash(&self, rel: &str) -> Option<blake3::Hash> {
        self.files.get(rel).map(|p| p.hash)
    }

    /// The pinned paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every pinned file under `root` whose content differs from the pin, sorted by path.
    pub fn drifted(&self, root: &Path) -> Vec<Drift> {
        self.files
            .iter()
            .filter_map(|(rel, pin)| match std::fs::read(root.join(rel)) {
                Ok(now) if blake3::hash(&now) == pin.hash => None,
                Ok(_) => Some(Drift::Changed(rel.clone())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some(Drift::Deleted(rel.clone()))
                }
                Err(_) => Some(Drift::Changed(rel.clone())),
            })
            .collect()
    }

    /// Put back what the agent wrote to `rel`. Returns false when `rel` has no pin.
    pub fn restore(&self, root: &Path, rel: &str) -> std::io::Result<bool> {
        let Some(pin) = self.files.get(rel) else {
            return Ok(false);
        };
        let path = root.join(rel);
        let parent = path.parent().unwrap_or(root);
        std::fs::create_dir_all(parent)?;
        // Whatever rewrote the file may have swapped a directory for a symlink out.
        if !parent.canonicalize()?.starts_with(root.canonicalize()?) {
            return Err(std::io::Error::other(format!(
                "`{rel}` now leads outside the repository; leave it out of the commit"
            )));
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&path)?;
        }
        std::fs::write(path, &pin.bytes)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_after_the_agents_last_write_are_found_and_undone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.py"), "agent v2\n").unwrap();
        std::fs::write(root.join("b.py"), "agent\n").unwrap();
        let mut pins = ContentPins::default();
        pins.record("a.py", b"agent v1\n");
        pins.record("a.py", b"agent v2\n");
        pins.record("b.py", b"agent\n");
        pins.record("c.py", b"gone soon\n");
        assert_eq!(pins.hash("a.py"), Some(blake3::hash(b"agent v2\n")));
        // The last write counts, not the first; an untouched file has not drifted.
        assert_eq!(pins.drifted(root), vec![Drift::Deleted("c.py".into())]);

        std::fs::write(root.join("b.py"), "rewritten by a test\n").unwrap();
        let drift = pins.drifted(root);
        assert_eq!(
            drift,
            vec![Drift::Changed("b.py".into()), Drift::Deleted("c.py".into())]
        );
        for d in &drift {
            assert!(pins.restore(root, d.path()).unwrap());
        }
        assert!(pins.drifted(root).is_empty());
        assert_eq!(
            std::fs::read_to_string(root.join("b.py")).unwrap(),
            "agent\n"
        );
        assert!(!pins.restore(root, "never-written.py").unwrap());
    }
}
