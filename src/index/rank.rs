//! Issue-to-file ranking: BM25 over content, path and symbol names; strong boosts for the
//! paths, file names, stack-trace frames and symbols the issue names; then personalised
//! PageRank over the reference graph (as in Aider's repo map). No model is involved.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{FileKind, Index, Symbol};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub path: String,
    pub score: f64,
    /// Why this file ranks here, for people ("defines `parse_config` named in the issue; path mentioned").
    pub reason: String,
}

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Path words count as this many occurrences; a file's name says more than its body.
const PATH_WEIGHT: u32 = 4;
const SYMBOL_WEIGHT: u32 = 2;

// ---------------------------------------------------------------- tokenizing

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "not",
    "but",
    "with",
    "this",
    "that",
    "from",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "its",
    "into",
    "when",
    "then",
    "than",
    "there",
    "which",
    "what",
    "who",
    "how",
    "why",
    "can",
    "should",
    "would",
    "could",
    "will",
    "does",
    "did",
    "doing",
    "been",
    "being",
    "also",
    "only",
    "just",
    "some",
    "any",
    "all",
    "our",
    "your",
    "their",
    "his",
    "her",
    "you",
    "they",
    "them",
    "these",
    "those",
    "use",
    "used",
    "using",
    "get",
    "set",
    "new",
    "one",
    "two",
    "out",
    "about",
    "like",
    "more",
    "most",
    "other",
    "such",
    "each",
    "very",
    "here",
    "where",
    "while",
    "after",
    "before",
    "because",
    "same",
    "self",
    "def",
    "return",
    "import",
    "class",
    "none",
    "true",
    "false",
    "null",
    "nil",
    "let",
    "pub",
    "mut",
    "var",
    "const",
    "function",
    "else",
    "elif",
    "try",
    "except",
    "raise",
    "pass",
    "lambda",
    "int",
    "str",
    "string",
    "void",
    "static",
    "public",
    "private",
    "protected",
    "struct",
    "impl",
    "use",
    "crate",
    "super",
    "package",
    "end",
    "begin",
    "this",
    "an",
    "is",
    "it",
    "in",
    "on",
    "of",
    "to",
    "be",
    "as",
    "at",
    "by",
    "or",
    "if",
    "we",
    "so",
    "no",
    "do",
    "fn",
    "file",
    "line",
    "issue",
    "bug",
    "error",
    "expected",
    "actual",
    "should",
    "http",
    "https",
    "www",
    "com",
    "github",
];

fn stopwords() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| STOPWORDS.iter().copied().collect())
}

/// Stop words by hash, sorted: the tokenizer checks hashes it computes anyway.
fn stop_hashes() -> &'static [u32] {
    static S: OnceLock<Vec<u32>> = OnceLock::new();
    S.get_or_init(|| {
        let mut v: Vec<u32> = STOPWORDS.iter().map(|w| hash_term(w.as_bytes())).collect();
        v.sort_unstable();
        v
    })
}

fn hash_term(t: &[u8]) -> u32 {
    // FNV-1a: a term's identity only needs to be stable within one run's index.
    let mut h: u32 = 0x811c_9dc5;
    for b in t {
        h ^= u32::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Word ranges of an ASCII identifier: `parseConfigFile` → parse|Config|File;
/// `HTTPServer_v2` → HTTP|Server|v2. Returns how many ranges were written.
fn word_bounds(b: &[u8], out: &mut [(usize, usize); 16]) -> usize {
    let mut n = 0;
    let mut start: Option<usize> = None;
    for i in 0..b.len() {
        let c = b[i];
        if c == b'_' {
            if let Some(s) = start.take()
                && n < out.len()
            {
                out[n] = (s, i);
                n += 1;
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (b[i - 1].is_ascii_lowercase()
                || b[i - 1].is_ascii_digit()
                || (b[i - 1].is_ascii_uppercase()
                    && b.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
        if boundary
            && let Some(s) = start.take()
            && n < out.len()
        {
            out[n] = (s, i);
            n += 1;
        }
        if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start
        && n < out.len()
    {
        out[n] = (s, b.len());
        n += 1;
    }
    n
}

/// Call `f` with each term of `text` (lower-cased) and its hash: every identifier and,
/// for compound identifiers, their words. Stop words, single letters and numbers are
/// dropped. Allocation-free: this runs over every byte of the repository.
fn for_each_term(text: &str, mut f: impl FnMut(&str, u32)) {
    let stop = stop_hashes();
    let mut buf = [0u8; 64];
    let mut bounds = [(0usize, 0usize); 16];
    let emit = |t: &[u8], f: &mut dyn FnMut(&str, u32)| {
        if t.len() < 2 || t.iter().all(u8::is_ascii_digit) {
            return;
        }
        let h = hash_term(t);
        if stop.binary_search(&h).is_ok() {
            return;
        }
        // Identifiers are ASCII by construction.
        f(std::str::from_utf8(t).unwrap_or_default(), h);
    };
    for ident in identifiers(text) {
        let b = ident.as_bytes();
        if b.len() > buf.len() {
            continue;
        }
        for (d, c) in buf.iter_mut().zip(b) {
            *d = c.to_ascii_lowercase();
        }
        emit(&buf[..b.len()], &mut f);
        let n = word_bounds(b, &mut bounds);
        if n > 1 {
            for &(s, e) in &bounds[..n] {
                emit(&buf[s..e], &mut f);
            }
        }
    }
}

/// Identifier runs `[A-Za-z_][A-Za-z0-9_]*` (ASCII; other scripts do not name code here).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphabetic() || b == b'_' {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                return Some(&text[start..i]);
            }
            if b.is_ascii_digit() {
                // Skip numbers and the identifier-looking tails of literals like 0xff or 1e9.
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

/// A file's hashed terms with counts, sorted by hash: content, path words (weighted) and
/// defined symbol names (weighted).
pub(crate) fn doc_terms(text: &str, path: &str, defs: &[Symbol]) -> Vec<(u32, u32)> {
    // Sorting hashes and counting runs beats a hash map here (one pass per file, no
    // rehashing); path and symbol words are pushed several times to weight them.
    let mut all: Vec<u32> = Vec::with_capacity(text.len() / 6);
    for_each_term(text, |_, h| all.push(h));
    for_each_term(&path.replace(['/', '.', '-'], " "), |_, h| {
        all.extend(std::iter::repeat_n(h, PATH_WEIGHT as usize))
    });
    for d in defs {
        for_each_term(&d.name, |_, h| {
            all.extend(std::iter::repeat_n(h, SYMBOL_WEIGHT as usize))
        });
    }
    all.sort_unstable();
    let mut v: Vec<(u32, u32)> = Vec::new();
    for h in all {
        match v.last_mut() {
            Some((last, c)) if *last == h => *c += 1,
            _ => v.push((h, 1)),
        }
    }
    v.shrink_to_fit();
    v
}

fn tf(terms: &[(u32, u32)], h: u32) -> u32 {
    terms
        .binary_search_by_key(&h, |(t, _)| *t)
        .map(|i| terms[i].1)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- issue mentions

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// Path-like strings: `a/b/c.py`, `c.py`, `C:\x\y.rs`.
fn path_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| re(r"(?:[A-Za-z]:)?[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,7}\b"))
}

/// Stack frames: Python `File "x.py", line 12`, and `path/x.rs:12` / `x.go:12:5` forms.
fn frame_res() -> &'static [Regex; 2] {
    static R: OnceLock<[Regex; 2]> = OnceLock::new();
    R.get_or_init(|| {
        [
            re(r#"File "([^"]+)", line (\d+)"#),
            re(r"((?:[A-Za-z]:)?[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,7}):(\d+)(?::\d+)?"),
        ]
    })
}

/// Code-looking identifiers in the issue: in backticks, followed by `(`, dotted, or
/// compound (snake_case, camelCase). Plain words may still be symbols, weighted lower.
fn issue_identifiers(issue: &str) -> HashMap<String, bool> {
    static TICKS: OnceLock<Regex> = OnceLock::new();
    static CALL: OnceLock<Regex> = OnceLock::new();
    static DOTTED: OnceLock<Regex> = OnceLock::new();
    let ticks = TICKS.get_or_init(|| re(r"`([^`\n]{1,200})`"));
    let call = CALL.get_or_init(|| re(r"([A-Za-z_][A-Za-z0-9_]*)\s*\("));
    let dotted =
        DOTTED.get_or_init(|| re(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)+"));
    let mut out: HashMap<String, bool> = HashMap::new();
    let mut code = |s: &str| {
        for id in identifiers(s) {
            out.insert(id.to_string(), true);
        }
    };
    for c in ticks.captures_iter(issue) {
        code(&c[1]);
    }
    for c in call.captures_iter(issue) {
        code(&c[1]);
    }
    for m in dotted.find_iter(issue) {
        // `foo.py` is a file, not a member access.
        if !looks_like_file(m.as_str()) {
            code(m.as_str());
        }
    }
    for id in identifiers(issue) {
        let compound = id.contains('_') && id.trim_matches('_').len() > 1
            || id.chars().skip(1).any(|c| c.is_uppercase()) && id.chars().any(|c| c.is_lowercase());
        out.entry(id.to_string())
            .and_modify(|c| *c |= compound)
            .or_insert(compound);
    }
    out
}

/// `a/b.py` or `b.py` is a file; `Settings.merge` is a member access.
fn looks_like_file(s: &str) -> bool {
    const EXTS: &[&str] = &[
        "py", "pyi", "rs", "js", "jsx", "mjs", "ts", "tsx", "go", "java", "c", "h", "cc", "cpp",
        "hpp", "rb", "php", "md", "txt", "json", "yaml", "yml", "toml", "cfg", "ini", "html",
        "css", "sh", "kt", "cs", "swift", "scala", "lock", "xml", "sql", "rst",
    ];
    if s.contains("::") || s.contains("->") {
        return false;
    }
    s.contains('/')
        || s.rsplit_once('.')
            .is_some_and(|(_, e)| EXTS.contains(&e.to_ascii_lowercase().as_str()))
}

fn components(p: &str) -> Vec<&str> {
    p.split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// Trailing path components `candidate` and `file` share.
fn common_suffix(candidate: &[&str], file: &[&str]) -> usize {
    candidate
        .iter()
        .rev()
        .zip(file.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
}

#[derive(Default, Clone)]
struct Evidence {
    mention: f64,
    path_mentioned: bool,
    name_mentioned: bool,
    frame_lines: Vec<usize>,
    symbols: Vec<String>,
    uses: Vec<String>,
}

// ---------------------------------------------------------------- ranking

/// Rank the index's files by relevance to `issue_text`, best first. Files with no
/// evidence at all are left out.
pub fn rank(index: &Index, issue_text: &str) -> Vec<Ranked> {
    let n = index.files.len();
    if n == 0 {
        return Vec::new();
    }
    let mut ev = vec![Evidence::default(); n];

    // Paths and file names.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let comps: Vec<Vec<&str>> = index.files.iter().map(|f| components(&f.path)).collect();
    for (i, c) in comps.iter().enumerate() {
        if let Some(last) = c.last() {
            by_name.entry(*last).or_default().push(i);
        }
    }
    let match_path = |cand: &str, line: Option<usize>, frame_rank: f64, ev: &mut Vec<Evidence>| {
        let cand = cand.trim_start_matches("a/").trim_start_matches("b/");
        let cc = components(cand);
        let Some(last) = cc.last() else { return };
        let Some(hits) = by_name.get(last) else {
            return;
        };
        let best = hits
            .iter()
            .map(|&i| common_suffix(&cc, &comps[i]))
            .max()
            .unwrap_or(0);
        for &i in hits {
            let common = common_suffix(&cc, &comps[i]);
            if common < best || common == 0 {
                continue;
            }
            let full = common == comps[i].len() || common == cc.len();
            let e = &mut ev[i];
            let w = if full && common >= 2 {
                10.0
            } else {
                6.0 / hits.len() as f64
            };
            if !e.path_mentioned {
                e.mention += w;
            }
            e.path_mentioned = true;
            if let Some(l) = line {
                e.mention += 3.0 + frame_rank;
                if !e.frame_lines.contains(&l) {
                    e.frame_lines.push(l);
                }
            }
        }
    };
    // Python prints the deepest frame last ("most recent call last"); Rust, Go, Java and
    // JS print it first. The deepest frame is usually where the fix goes.
    let [py, other] = frame_res();
    let mut frames: Vec<(String, usize)> = py
        .captures_iter(issue_text)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap_or(0)))
        .collect();
    let mut rest: Vec<(String, usize)> = other
        .captures_iter(issue_text)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap_or(0)))
        .collect();
    rest.reverse();
    frames.extend(rest);
    let nframes = frames.len();
    for (k, (p, l)) in frames.iter().enumerate() {
        let depth = if nframes > 1 {
            k as f64 / (nframes - 1) as f64
        } else {
            1.0
        };
        match_path(p, Some(*l), 4.0 * depth, &mut ev);
    }
    for m in path_re().find_iter(issue_text) {
        match_path(m.as_str(), None, 0.0, &mut ev);
    }

    // Symbols the issue names, and file stems it names.
    let idents = issue_identifiers(issue_text);
    let mut stems: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in index.files.iter().enumerate() {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
        if stem.len() >= 4 {
            stems.entry(stem).or_default().push(i);
        }
    }
    let stop = stopwords();
    for (id, code_like) in &idents {
        if id.len() < 3 || (!code_like && stop.contains(id.to_ascii_lowercase().as_str())) {
            continue;
        }
        if let Some(defs) = index.refs.defined_in.get(id.as_str())
            && defs.len() <= 25
        {
            let w = if *code_like { 6.0 } else { 1.5 } / (defs.len() as f64).sqrt();
            for &d in defs {
                ev[d].mention += w;
                ev[d].symbols.push(id.clone());
            }
            if let Some(users) = index.refs.referenced_by.get(id.as_str())
                && users.len() <= 200
            {
                let w = if *code_like { 1.0 } else { 0.25 } / (users.len() as f64).sqrt();
                for &u in users {
                    if !defs.contains(&u) {
                        ev[u].mention += w;
                        ev[u].uses.push(id.clone());
                    }
                }
            }
        }
        if (*code_like || id.len() >= 5)
            && let Some(files) = stems.get(&id.to_ascii_lowercase())
            && files.len() <= 10
        {
            for &f in files {
                if !ev[f].name_mentioned {
                    ev[f].name_mentioned = true;
                    ev[f].mention += 3.0 / (files.len() as f64).sqrt();
                }
            }
        }
    }

    // BM25 over the issue's terms.
    let mut qterms: HashMap<u32, (String, u32)> = HashMap::new();
    for_each_term(issue_text, |t, h| {
        qterms.entry(h).or_insert_with(|| (t.to_string(), 0)).1 += 1;
    });
    let dl: Vec<f64> = index
        .terms
        .iter()
        .map(|t| t.iter().map(|(_, c)| f64::from(*c)).sum())
        .collect();
    let avgdl = (dl.iter().sum::<f64>() / n as f64).max(1.0);
    let mut bm25 = vec![0.0f64; n];
    let mut top_words: Vec<Vec<(f64, String)>> = vec![Vec::new(); n];
    for (h, (word, qtf)) in &qterms {
        let df = index.terms.iter().filter(|t| tf(t, *h) > 0).count();
        if df == 0 {
            continue;
        }
        let idf = ((n as f64 - df as f64 + 0.5) / (df as f64 + 0.5) + 1.0).ln();
        let qw = 1.0 + f64::from(*qtf).ln();
        for (i, t) in index.terms.iter().enumerate() {
            let f = f64::from(tf(t, *h));
            if f == 0.0 {
                continue;
            }
            let s = idf * qw * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * dl[i] / avgdl));
            bm25[i] += s;
            top_words[i].push((s, word.clone()));
        }
    }
    let max_bm25 = bm25.iter().cloned().fold(0.0, f64::max);

    // Evidence before propagation.
    let base: Vec<f64> = (0..n)
        .map(|i| {
            let lex = if max_bm25 > 0.0 {
                4.0 * bm25[i] / max_bm25
            } else {
                0.0
            };
            lex + ev[i].mention.min(25.0)
        })
        .collect();

    let pr = personalised_pagerank(index, &base);
    let max_pr = pr.iter().cloned().fold(0.0, f64::max);

    let mut out: Vec<Ranked> = Vec::new();
    for i in 0..n {
        let f = &index.files[i];
        let e = &ev[i];
        let prop = if max_pr > 0.0 {
            2.0 * pr[i] / max_pr
        } else {
            0.0
        };
        let mut score = base[i] + prop;
        let named = e.path_mentioned || !e.frame_lines.is_empty();
        score *= match f.kind {
            FileKind::Source => 1.0,
            FileKind::Test if named => 1.0,
            FileKind::Test => 0.7,
            FileKind::Config => 0.45,
            FileKind::Docs => 0.35,
            FileKind::Generated | FileKind::Other => 0.3,
        };
        if score <= 1e-9 {
            continue;
        }
        out.push(Ranked {
            path: f.path.clone(),
            score,
            reason: reason(e, &mut top_words[i], prop, f.kind),
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
    });
    for r in &mut out {
        r.score = (r.score * 1000.0).round() / 1000.0;
    }
    out
}

fn reason(e: &Evidence, words: &mut [(f64, String)], prop: f64, kind: FileKind) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !e.frame_lines.is_empty() {
        let lines: Vec<String> = e.frame_lines.iter().map(|l| l.to_string()).collect();
        parts.push(format!("in the stack trace (line {})", lines.join(", ")));
    } else if e.path_mentioned {
        parts.push("path mentioned".into());
    } else if e.name_mentioned {
        parts.push("file name mentioned".into());
    }
    let list = |v: &[String]| {
        let mut v: Vec<&String> = v.iter().collect();
        v.sort();
        v.dedup();
        v.iter()
            .take(3)
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !e.symbols.is_empty() {
        parts.push(format!("defines {} named in the issue", list(&e.symbols)));
    } else if !e.uses.is_empty() {
        parts.push(format!("uses {} named in the issue", list(&e.uses)));
    }
    words.sort_by(|a, b| b.0.total_cmp(&a.0));
    if !words.is_empty() {
        let w: Vec<&str> = words.iter().take(4).map(|(_, w)| w.as_str()).collect();
        parts.push(format!("words: {}", w.join(", ")));
    }
    if prop >= 0.5 {
        parts.push("linked by references to the files above".into());
    }
    if parts.is_empty() {
        parts.push("reachable through references".into());
    }
    if kind == FileKind::Test && e.symbols.is_empty() && !e.path_mentioned {
        parts.push("test file".into());
    }
    parts.join("; ")
}

/// PageRank over referencing → defining edges, restarting at the files with evidence
/// (weighted by it). With no evidence the restart is uniform: plain PageRank.
fn personalised_pagerank(index: &Index, base: &[f64]) -> Vec<f64> {
    let n = base.len();
    let mut p: Vec<f64> = base.to_vec();
    // Only the strongest evidence seeds the walk, so noise words do not spread.
    let mut sorted: Vec<f64> = p.iter().copied().filter(|v| *v > 0.0).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cutoff = sorted.get(50).copied().unwrap_or(0.0);
    for v in &mut p {
        if *v <= cutoff {
            *v = 0.0;
        }
    }
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        for v in &mut p {
            *v /= total;
        }
    } else {
        p = vec![1.0 / n as f64; n];
    }
    let mut out_w = vec![0.0f64; n];
    for e in &index.refs.edges {
        out_w[e.from] += e.weight;
    }
    let d = 0.85;
    let mut r = p.clone();
    for _ in 0..25 {
        let mut next: Vec<f64> = p.iter().map(|v| (1.0 - d) * v).collect();
        let mut dangling = 0.0;
        for (i, w) in out_w.iter().enumerate() {
            if *w == 0.0 {
                dangling += r[i];
            }
        }
        for e in &index.refs.edges {
            next[e.to] += d * r[e.from] * e.weight / out_w[e.from];
        }
        for (v, pv) in next.iter_mut().zip(&p) {
            *v += d * dangling * pv;
        }
        r = next;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers() {
        let words = |id: &str| {
            let mut b = [(0, 0); 16];
            let n = word_bounds(id.as_bytes(), &mut b);
            b[..n]
                .iter()
                .map(|(s, e)| id[*s..*e].to_ascii_lowercase())
                .collect::<Vec<_>>()
        };
        assert_eq!(words("parseConfigFile"), ["parse", "config", "file"]);
        assert_eq!(words("HTTPServer_v2"), ["http", "server", "v2"]);
        let mut terms = Vec::new();
        for_each_term("let parse_config = the XMLParser(42);", |t, _| {
            terms.push(t.to_string())
        });
        assert_eq!(
            terms,
            [
                "parse_config",
                "parse",
                "config",
                "xmlparser",
                "xml",
                "parser"
            ]
        );
    }

    #[test]
    fn finds_code_identifiers_in_issue() {
        let ids = issue_identifiers(
            "Calling `load()` on Settings.merge breaks parse_config; the value is wrong",
        );
        assert_eq!(ids.get("load"), Some(&true));
        assert_eq!(ids.get("merge"), Some(&true));
        assert_eq!(ids.get("parse_config"), Some(&true));
        assert_eq!(ids.get("value"), Some(&false));
    }

    #[test]
    fn parses_stack_frames() {
        let text = "Traceback:\n  File \"/usr/lib/app/core/db.py\", line 42, in run\nthread 'main' panicked at src/x.rs:12:5";
        let got: Vec<(String, String)> = frame_res()
            .iter()
            .flat_map(|r| {
                r.captures_iter(text)
                    .map(|c| (c[1].to_string(), c[2].to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            got.contains(&("/usr/lib/app/core/db.py".into(), "42".into())),
            "{got:?}"
        );
        assert!(got.contains(&("src/x.rs".into(), "12".into())), "{got:?}");
    }
}
