//! The repository index: a gitignore-aware walk, tree-sitter tags per file (parsed in
//! parallel, cached per content hash), file kinds and metrics, the cross-file reference
//! graph, issue-to-file ranking, the token-budgeted repo map and the context graph.

mod cache;
pub mod graph;
mod mentions;
pub mod rank;
pub mod refs;
pub mod repo_map;
mod symbols;
pub mod tags;
mod terms;
mod tree_tags;
pub mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use graph::ContextGraph;
pub use rank::{Ranked, RankedSymbol, SIGNALS, SignalHit, Weights, bm25_baseline, rank, rank_with};
pub use refs::{Edge, RefGraph};
pub use repo_map::repo_map;

#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Files larger than this are skipped ("too large").
    pub max_file_bytes: u64,
    /// Where the tag cache lives; `None` = no cache.
    pub cache_dir: Option<PathBuf>,
    /// Parser threads; `None` = all cores.
    pub threads: Option<usize>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            max_file_bytes: 1024 * 1024,
            cache_dir: None,
            threads: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0} is not a directory; pass the repository's root with --repo")]
    NotADirectory(PathBuf),
    #[error("cannot start {0} parser threads: {1}; pass fewer threads or none")]
    Threads(usize, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Source,
    Test,
    Config,
    Docs,
    Generated,
    Other,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Source => "source",
            FileKind::Test => "test",
            FileKind::Config => "config",
            FileKind::Docs => "docs",
            FileKind::Generated => "generated",
            FileKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    /// The tag kind: function, method, class, interface, module, ...
    pub kind: String,
    /// 1-based.
    pub line: usize,
    /// 1-based last line of the definition (its body included); 0 when unknown.
    #[serde(default)]
    pub end_line: usize,
    /// The definition's first line, trimmed.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    /// Relative to the index root, '/'-separated.
    pub path: String,
    pub kind: FileKind,
    pub lang: Option<&'static str>,
    pub size: u64,
    pub lines: usize,
    pub definitions: Vec<Symbol>,
    /// Distinct names the file references (calls, type uses).
    pub references: Vec<String>,
    /// Definitions plus distinct references: the "mass" the terrain draws.
    pub symbols: usize,
    /// Branching nodes in the syntax tree.
    pub complexity: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexStats {
    /// Files kept in the index.
    pub files: usize,
    /// Files parsed with tree-sitter this run.
    pub parsed: usize,
    /// Files whose tags came from the cache.
    pub cached: usize,
    pub skipped: usize,
    pub skipped_reasons: BTreeMap<String, usize>,
    /// Definitions across all files.
    pub symbols: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub files: Vec<FileEntry>,
    pub stats: IndexStats,
    pub refs: RefGraph,
    /// Per file (parallel to `files`): hashed content terms with counts, sorted, for lexical ranking.
    pub(crate) terms: Vec<Vec<(u32, u32)>>,
    /// Per file: its one-line string literals as word hashes (see `terms::literals`).
    pub(crate) literals: Vec<Vec<u32>>,
}

impl Index {
    /// The index of the file at `path`, if indexed.
    pub fn position(&self, path: &str) -> Option<usize> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
    }
}

enum Outcome {
    Skipped(&'static str),
    Kept {
        entry: Box<FileEntry>,
        terms: Vec<(u32, u32)>,
        literals: Vec<u32>,
        mtime_ns: u64,
        /// The cache key of a parsed language file.
        key: Option<String>,
        /// Tags came from the cache (by mtime or by content hash).
        hit: bool,
        /// The file was not even read: size and mtime matched the cache.
        fresh: bool,
        /// Tagging gave up on the parse; the file is kept as text.
        timed_out: bool,
    },
}

/// Index the repository at `repo`.
pub fn build(repo: &Path, opts: &IndexOptions) -> Result<Index, IndexError> {
    let started = Instant::now();
    let (candidates, skipped_paths) = walk::walk(repo, opts.max_file_bytes)?;
    let cache = cache::TagCache::load(opts.cache_dir.as_deref());

    let work = || -> Vec<Outcome> {
        candidates
            .par_iter()
            .map(|c| index_one(c, &cache))
            .collect()
    };
    let outcomes = match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| IndexError::Threads(n, e.to_string()))?
            .install(work),
        None => work(),
    };

    let mut stats = IndexStats::default();
    for (reason, _) in &skipped_paths {
        *stats.skipped_reasons.entry(reason.to_string()).or_default() += 1;
    }
    let mut files = Vec::with_capacity(outcomes.len());
    let mut terms = Vec::with_capacity(outcomes.len());
    let mut literals = Vec::with_capacity(outcomes.len());
    // Per kept file: (mtime, cache key, timed out), for the cache.
    let mut meta: Vec<(u64, Option<String>, bool)> = Vec::with_capacity(outcomes.len());
    let mut all_fresh = true;
    for o in outcomes {
        match o {
            Outcome::Skipped(reason) => {
                *stats.skipped_reasons.entry(reason.to_string()).or_default() += 1
            }
            Outcome::Kept {
                entry,
                terms: t,
                literals: l,
                mtime_ns,
                key,
                hit,
                fresh,
                timed_out,
            } => {
                if timed_out {
                    *stats
                        .skipped_reasons
                        .entry("parse timeout (kept as text)".to_string())
                        .or_default() += 1;
                }
                if entry.lang.is_some() {
                    if hit {
                        stats.cached += 1;
                    } else {
                        stats.parsed += 1;
                    }
                }
                all_fresh &= fresh;
                stats.symbols += entry.definitions.len();
                meta.push((mtime_ns, key, timed_out));
                files.push(*entry);
                terms.push(t);
                literals.push(l);
            }
        }
    }
    // A warm run that read nothing and saw the same files leaves the cache as it is.
    let unchanged = all_fresh && files.len() == cache.len();
    drop(cache);
    let store = || {
        let Some(dir) = &opts.cache_dir else { return };
        if unchanged {
            return;
        }
        let entries: Vec<cache::StoreEntry> = files
            .iter()
            .zip(&meta)
            .zip(terms.iter().zip(&literals))
            .map(
                |((file, (mtime_ns, key, timed_out)), (t, l))| cache::StoreEntry {
                    file,
                    mtime_ns: *mtime_ns,
                    key: key.as_deref(),
                    parse_timed_out: *timed_out,
                    terms: t,
                    literals: l,
                },
            )
            .collect();
        if let Err(e) = cache::store(dir, &entries) {
            // The index is complete without the cache; the next run is just slower.
            tracing::warn!("cannot write the index cache: {e}");
        }
    };
    // The cache write and the reference graph only read the files: side by side, they
    // take the longer one's time off the cold index's serial tail.
    let ((), refs) = rayon::join(store, || RefGraph::build(&files));
    stats.files = files.len();
    stats.skipped = stats.skipped_reasons.values().sum();
    stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(Index {
        root: repo.to_path_buf(),
        files,
        stats,
        refs,
        terms,
        literals,
    })
}

fn entry_from(
    c: &walk::Candidate,
    lang: Option<&'static tags::Lang>,
    kind: FileKind,
    lines: usize,
    tagged: tags::Tagged,
) -> FileEntry {
    FileEntry {
        path: c.rel.clone(),
        kind,
        lang: lang.map(|l| l.name),
        size: c.size,
        lines,
        symbols: tagged.definitions.len() + tagged.references.len(),
        complexity: tagged.complexity,
        definitions: tagged.definitions,
        references: tagged.references,
    }
}

fn index_one(c: &walk::Candidate, cache: &cache::TagCache) -> Outcome {
    let lang = tags::lang_for_path(&c.rel);
    // Unchanged since the last run (same size and mtime): nothing to read.
    if let Some(hit) = cache.take_fresh(&c.rel, c.size, c.mtime_ns) {
        let timed_out = hit.tagged.parse_timed_out;
        let key = (!hit.key.is_empty()).then_some(hit.key);
        return Outcome::Kept {
            entry: Box::new(entry_from(c, lang, hit.kind, hit.lines, hit.tagged)),
            terms: hit.terms,
            literals: hit.literals,
            mtime_ns: c.mtime_ns,
            key,
            hit: true,
            fresh: true,
            timed_out,
        };
    }
    let Ok(bytes) = std::fs::read(&c.abs) else {
        return Outcome::Skipped("unreadable");
    };
    if walk::looks_binary(&bytes) {
        return Outcome::Skipped("binary");
    }
    if walk::is_generated_content(&bytes) {
        return Outcome::Skipped("generated");
    }
    let mut kind = walk::classify(&c.rel, lang.is_some());
    // Minified bundles and copied-in libraries (`static/jquery-3.5.1.js`) define hundreds
    // of common names; they stay listed but out of the ranking.
    if walk::is_vendored_content(&c.rel, &bytes) {
        kind = FileKind::Generated;
    }
    let lines = bytes.iter().filter(|b| **b == b'\n').count()
        + usize::from(!bytes.ends_with(b"\n") && !bytes.is_empty());
    let (tagged, key, hit) = match lang {
        Some(l) => {
            let key = cache::key(&bytes, l.name);
            match cache.get(&key) {
                Some(t) => (t, Some(key), true),
                None => (l.tag(&bytes), Some(key), false),
            }
        }
        None => (tags::Tagged::default(), None, false),
    };
    let timed_out = tagged.parse_timed_out;
    let text = String::from_utf8_lossy(&bytes);
    // Vendored files are tokenized like any other, so ablating the `generated` multiplier
    // shows what they would do to the ranking.
    let terms = terms::doc_terms(&text);
    let literals = if kind == FileKind::Source || kind == FileKind::Test {
        let backticks = matches!(
            lang.map(|l| l.name),
            Some("javascript" | "typescript" | "tsx" | "go")
        );
        terms::literals(&text, backticks)
    } else {
        Vec::new()
    };
    Outcome::Kept {
        entry: Box::new(entry_from(c, lang, kind, lines, tagged)),
        terms,
        literals,
        mtime_ns: c.mtime_ns,
        key,
        hit,
        fresh: false,
        timed_out,
    }
}

/// The per-user cache directory for one repository's index:
/// `<user cache>/octagit/index/<hash of the repo path>`.
pub fn default_cache_dir(repo: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    let h = blake3::hash(abs.to_string_lossy().as_bytes()).to_hex();
    dirs::cache_dir().map(|d| d.join("octagit").join("index").join(&h[..16]))
}
