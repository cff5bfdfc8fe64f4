//! The on-disk tag cache: one JSON file per cache dir, entries keyed by the blake3 hash of a
//! file's content and its language, so a second run re-parses only what changed.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::FileEntry;
use super::tags::Tagged;

/// Bump when `Tagged` or the queries change meaning, so old entries are not trusted.
const FORMAT: u32 = 1;
const FILE_NAME: &str = "tags-v1.json";

#[derive(Deserialize, Default)]
struct OnDisk {
    format: u32,
    entries: HashMap<String, Tagged>,
}

pub(crate) struct TagCache {
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
        TagCache { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, key: &str) -> Option<&Tagged> {
        self.entries.get(key)
    }
}

#[derive(Serialize)]
struct TaggedRef<'a> {
    definitions: &'a [super::Symbol],
    references: &'a [String],
    complexity: usize,
}

#[derive(Serialize)]
struct OnDiskRef<'a> {
    format: u32,
    entries: HashMap<&'a str, TaggedRef<'a>>,
}

/// Replace the cache in `dir` with this run's files (`keys` parallel to `files`), so
/// deleted and changed files do not accumulate. Written to a temp file and renamed: a
/// crash never leaves a torn cache.
pub(crate) fn store(
    dir: &Path,
    files: &[FileEntry],
    keys: &[Option<String>],
) -> std::io::Result<()> {
    let entries: HashMap<&str, TaggedRef> = files
        .iter()
        .zip(keys)
        .filter_map(|(f, k)| {
            k.as_deref().map(|k| {
                (
                    k,
                    TaggedRef {
                        definitions: &f.definitions,
                        references: &f.references,
                        complexity: f.complexity,
                    },
                )
            })
        })
        .collect();
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let doc = OnDiskRef {
        format: FORMAT,
        entries,
    };
    let mut w = std::io::BufWriter::new(tmp.as_file_mut());
    serde_json::to_writer(&mut w, &doc).map_err(std::io::Error::other)?;
    w.flush()?;
    drop(w);
    tmp.persist(dir.join(FILE_NAME)).map_err(|e| e.error)?;
    Ok(())
}
