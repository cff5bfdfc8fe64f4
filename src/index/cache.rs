//! The on-disk index cache: one binary file per cache dir holding, per file, everything the
//! index keeps (tags, content terms, string literals, kind, line count) with the file's
//! size, modification time and content hash. A warm run whose files did not change reads
//! no file at all (size and mtime match); a touched but identical file is recognised by its
//! hash and not re-parsed.
//!
//! The format is a private little-endian layout (length-prefixed strings and arrays), not
//! JSON: the warm run's time is mostly this load, and JSON of every term was most of it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::tags::Tagged;
use super::{FileEntry, FileKind, Symbol};

/// Bump when the layout, `Tagged`, the queries or the term/literal tokenizers change
/// meaning, so old entries are not trusted.
const FORMAT: u32 = 3;
const MAGIC: &[u8; 4] = b"OGIX";
const FILE_NAME: &str = "index-v3.bin";

/// One file as cached.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub size: u64,
    pub mtime_ns: u64,
    /// Content hash (with the language) of a file that has a grammar; empty otherwise.
    pub key: String,
    pub kind: FileKind,
    pub lines: usize,
    pub tagged: Tagged,
    pub terms: Vec<(u32, u32)>,
    pub literals: Vec<u32>,
}

pub(crate) struct TagCache {
    /// Each entry is taken (moved out, not cloned) by the one file that uses it unchanged.
    by_path: HashMap<String, std::sync::Mutex<Option<Cached>>>,
    by_key: HashMap<String, String>,
    /// When the cache was written. A file modified within [`RACY_NS`] of it may have
    /// changed again in the same clock tick, so it is checked by content (git's "racy
    /// clean" rule).
    written_ns: u64,
}

const RACY_NS: u64 = 2_000_000_000;

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
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
    /// Load the cache in `dir`; a missing, old or torn cache is an empty one (it is only
    /// ever a speed-up).
    pub fn load(dir: Option<&Path>) -> TagCache {
        let (written_ns, by_path) = dir
            .and_then(|d| std::fs::read(d.join(FILE_NAME)).ok())
            .and_then(|b| decode(&b))
            .unwrap_or_default();
        let by_key = by_path
            .iter()
            .filter(|(_, c)| !c.key.is_empty())
            .map(|(p, c)| (c.key.clone(), p.clone()))
            .collect();
        let by_path = by_path
            .into_iter()
            .map(|(p, c)| (p, std::sync::Mutex::new(Some(c))))
            .collect();
        TagCache {
            by_path,
            by_key,
            written_ns,
        }
    }

    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// The entry of `rel` when its size and mtime are unchanged, moved out of the cache.
    pub fn take_fresh(&self, rel: &str, size: u64, mtime_ns: u64) -> Option<Cached> {
        let slot = self.by_path.get(rel)?;
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        let ok = slot.as_ref().is_some_and(|c| {
            c.size == size
                && c.mtime_ns == mtime_ns
                && mtime_ns != 0
                && mtime_ns.saturating_add(RACY_NS) < self.written_ns
        });
        if ok { slot.take() } else { None }
    }

    /// Tags of any cached file with this content key (not yet taken).
    pub fn get(&self, key: &str) -> Option<Tagged> {
        let p = self.by_key.get(key)?;
        let slot = self
            .by_path
            .get(p)?
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|c| c.tagged.clone())
    }
}

/// What `store` writes for one file; borrowed from the built index.
pub(crate) struct StoreEntry<'a> {
    pub file: &'a FileEntry,
    pub mtime_ns: u64,
    pub key: Option<&'a str>,
    pub parse_timed_out: bool,
    pub terms: &'a [(u32, u32)],
    pub literals: &'a [u32],
}

/// Replace the cache in `dir` with this run's files, so deleted and changed files do not
/// accumulate. Written to a temp file and renamed: a crash never leaves a torn cache.
pub(crate) fn store(dir: &Path, entries: &[StoreEntry]) -> std::io::Result<()> {
    let mut w = Writer(Vec::with_capacity(1 << 20));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.u64(now_ns());
    w.u32(entries.len() as u32);
    for e in entries {
        let f = e.file;
        w.str(&f.path);
        w.u64(f.size);
        w.u64(e.mtime_ns);
        w.str(e.key.unwrap_or(""));
        w.u32(kind_code(f.kind));
        w.u32(f.lines as u32);
        w.u32(f.complexity as u32);
        w.u32(u32::from(e.parse_timed_out));
        w.u32(f.definitions.len() as u32);
        for d in &f.definitions {
            w.str(&d.name);
            w.str(&d.kind);
            w.u32(d.line as u32);
            w.u32(d.end_line as u32);
            w.str(&d.signature);
        }
        w.u32(f.references.len() as u32);
        for r in &f.references {
            w.str(r);
        }
        w.u32(e.terms.len() as u32);
        for (h, c) in e.terms {
            w.u32(*h);
            w.u32(*c);
        }
        w.u32(e.literals.len() as u32);
        for v in e.literals {
            w.u32(*v);
        }
    }
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.as_file_mut().write_all(&w.0)?;
    tmp.persist(dir.join(FILE_NAME)).map_err(|e| e.error)?;
    Ok(())
}

fn kind_code(k: FileKind) -> u32 {
    match k {
        FileKind::Source => 0,
        FileKind::Test => 1,
        FileKind::Config => 2,
        FileKind::Docs => 3,
        FileKind::Generated => 4,
        FileKind::Other => 5,
    }
}

fn kind_of(c: u32) -> Option<FileKind> {
    Some(match c {
        0 => FileKind::Source,
        1 => FileKind::Test,
        2 => FileKind::Config,
        3 => FileKind::Docs,
        4 => FileKind::Generated,
        5 => FileKind::Other,
        _ => return None,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    /// A count that cannot exceed what is left (a torn file must not allocate wildly).
    fn count(&mut self, min_item: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n.saturating_mul(min_item) <= self.b.len() - self.at).then_some(n)
    }
}

fn decode(b: &[u8]) -> Option<(u64, HashMap<String, Cached>)> {
    let mut r = Reader { b, at: 0 };
    if r.take(4)? != MAGIC || r.u32()? != FORMAT {
        return None;
    }
    let written_ns = r.u64()?;
    let n = r.count(8)?;
    let mut out = HashMap::with_capacity(n);
    for _ in 0..n {
        let path = r.str()?;
        let size = r.u64()?;
        let mtime_ns = r.u64()?;
        let key = r.str()?;
        let kind = kind_of(r.u32()?)?;
        let lines = r.u32()? as usize;
        let complexity = r.u32()? as usize;
        let parse_timed_out = r.u32()? != 0;
        let nd = r.count(20)?;
        let mut definitions = Vec::with_capacity(nd);
        for _ in 0..nd {
            definitions.push(Symbol {
                name: r.str()?,
                kind: r.str()?,
                line: r.u32()? as usize,
                end_line: r.u32()? as usize,
                signature: r.str()?,
            });
        }
        let nr = r.count(4)?;
        let mut references = Vec::with_capacity(nr);
        for _ in 0..nr {
            references.push(r.str()?);
        }
        let nt = r.count(8)?;
        let mut terms = Vec::with_capacity(nt);
        for _ in 0..nt {
            terms.push((r.u32()?, r.u32()?));
        }
        let nl = r.count(4)?;
        let mut literals = Vec::with_capacity(nl);
        for _ in 0..nl {
            literals.push(r.u32()?);
        }
        out.insert(
            path,
            Cached {
                size,
                mtime_ns,
                key,
                kind,
                lines,
                tagged: Tagged {
                    definitions,
                    references,
                    complexity,
                    parse_timed_out,
                },
                terms,
                literals,
            },
        );
    }
    Some((written_ns, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_torn_files() {
        let f = FileEntry {
            path: "a/b.py".into(),
            kind: FileKind::Source,
            lang: Some("python"),
            size: 10,
            lines: 3,
            definitions: vec![Symbol {
                name: "go".into(),
                kind: "function".into(),
                line: 1,
                end_line: 3,
                signature: "def go():".into(),
            }],
            references: vec!["print".into()],
            symbols: 2,
            complexity: 1,
        };
        let dir = tempfile::tempdir().unwrap();
        let e = StoreEntry {
            file: &f,
            mtime_ns: 42,
            key: Some("k1"),
            parse_timed_out: false,
            terms: &[(7, 2)],
            literals: &[1, 1, 99],
        };
        let mut g = f.clone();
        g.path = "c.py".into();
        let recent = now_ns();
        let e2 = StoreEntry {
            file: &g,
            mtime_ns: recent,
            key: Some("k2"),
            parse_timed_out: false,
            terms: &[],
            literals: &[],
        };
        store(dir.path(), &[e, e2]).unwrap();
        let c = TagCache::load(Some(dir.path()));
        // Written just now, an mtime of 42 ns after the epoch is long past: trusted.
        assert!(c.take_fresh("a/b.py", 10, 43).is_none());
        let got = c.take_fresh("a/b.py", 10, 42).expect("fresh");
        assert_eq!(got.tagged.definitions[0].end_line, 3);
        assert_eq!(got.terms, vec![(7, 2)]);
        assert_eq!(got.literals, vec![1, 1, 99]);
        assert!(c.take_fresh("a/b.py", 10, 42).is_none(), "taken once");
        // Modified in the same tick as the write: checked by content, not trusted.
        assert!(c.take_fresh("c.py", 10, recent).is_none());
        assert!(c.get("k2").is_some());
        assert!(c.get("k1").is_none(), "taken");
        let p = dir.path().join(FILE_NAME);
        let b = std::fs::read(&p).unwrap();
        std::fs::write(&p, &b[..b.len() - 3]).unwrap();
        assert_eq!(TagCache::load(Some(dir.path())).len(), 0);
    }
}
