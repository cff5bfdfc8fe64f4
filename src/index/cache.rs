//! The on-disk tag cache: one JSON file per cache dir, entries keyed by the blake3 hash of a
//! file's content and its language, so a second run re-parses only what changed.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::tags::Tagged;

/// Bump when `Tagged` or the queries change meaning, so old entries are not trusted.
const FORMAT: u32 = 1;
const FILE_NAME: &str = "tags-v1.json";

#[derive(Serialize, Deserialize, Default)]
struct OnDisk {
    format: u32,
    entries: HashMap<String, Tagged>,
}

pub(crate) struct TagCache {
    path: Option<PathBuf>,
    entries: HashMap<String, Tagged>,
}

/// The cache key of one file's content in one language.
pub(crate) fn key(content: &[u8], lang: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(lang.as_bytes());
    h.update(&[0]);
    h.update(content);
    h.finalize().to_hex().to_string()
}

impl TagCache {
    /// Load the cache in `dir`; a missing or unreadable cache is an empty one (it is only
    /// ever a speed-up).
    pub fn load(dir: Option<&Path>) -> TagCache {
        let Some(dir) = dir else {
            return TagCache {
                path: None,
                entries: HashMap::new(),
            };
        };
        let path = dir.join(FILE_NAME);
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<OnDisk>(&b).ok())
            .filter(|d| d.format == FORMAT)
            .map(|d| d.entries)
            .unwrap_or_default();
        TagCache {
            path: Some(path),
            entries,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, key: &str) -> Option<&Tagged> {
        self.entries.get(key)
    }

    /// Replace the cache with exactly `entries` (this run's files), so deleted and changed
    /// files do not accumulate. Written to a temp file and renamed: a crash never leaves a
    /// torn cache.
    pub fn store(&mut self, entries: HashMap<String, Tagged>) -> std::io::Result<()> {
        self.entries = entries;
        let Some(path) = &self.path else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        let doc = OnDisk {
            format: FORMAT,
            entries: std::mem::take(&mut self.entries),
        };
        let res = serde_json::to_writer(std::io::BufWriter::new(tmp.as_file_mut()), &doc);
        self.entries = doc.entries;
        res.map_err(std::io::Error::other)?;
        tmp.as_file_mut().flush()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}
