//! Tokenizing for the lexical signals: identifier terms (with compound words split) for
//! BM25, and string literals as word sequences so an issue quoting an error message or an
//! option name can be matched to the file that spells it.

use std::collections::HashSet;
use std::sync::OnceLock;

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

pub(crate) fn stopwords() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| STOPWORDS.iter().copied().collect())
}

/// Stop words by hash, sorted: the tokenizer checks hashes it computes anyway.
pub(crate) fn stop_hashes() -> &'static [u32] {
    static S: OnceLock<Vec<u32>> = OnceLock::new();
    S.get_or_init(|| {
        let mut v: Vec<u32> = STOPWORDS.iter().map(|w| hash_term(w.as_bytes())).collect();
        v.sort_unstable();
        v
    })
}

pub(crate) fn hash_term(t: &[u8]) -> u32 {
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
pub(crate) fn word_bounds(b: &[u8], out: &mut [(usize, usize); 16]) -> usize {
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
pub(crate) fn for_each_term(text: &str, mut f: impl FnMut(&str, u32)) {
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
pub(crate) fn identifiers(text: &str) -> impl Iterator<Item = &str> {
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

/// Two adjacent prose words written apart that code spells as one: "man page" →
/// `manpage`, "type hints" → `typehints`. Only letters, joined by one space or dash.
pub(crate) fn compounds(text: &str) -> Vec<String> {
    let stop = stopwords();
    let mut out = Vec::new();
    let mut prev: Option<(usize, &str)> = None;
    let base = text.as_ptr() as usize;
    for id in identifiers(text) {
        let start = id.as_ptr() as usize - base;
        let plain = id.len() >= 2
            && id.bytes().all(|b| b.is_ascii_alphabetic())
            && !stop.contains(id.to_ascii_lowercase().as_str());
        if let Some((end, p)) = prev
            && plain
            && start == end + 1
            && matches!(text.as_bytes()[end], b' ' | b'-')
        {
            out.push(format!("{p}{id}").to_ascii_lowercase());
        }
        prev = plain.then_some((start + id.len(), id));
    }
    out.sort();
    out.dedup();
    out
}

/// A file's content terms with counts, sorted by hash. Path and symbol words are added
/// at ranking time (they are cheap to recompute and weighted there).
pub(crate) fn doc_terms(text: &str) -> Vec<(u32, u32)> {
    // Sorting hashes and counting runs beats a hash map here (one pass per file, no
    // rehashing).
    let mut all: Vec<u32> = Vec::with_capacity(text.len() / 6);
    for_each_term(text, |_, h| all.push(h));
    count_sorted(all)
}

/// Sort hashes and turn runs into (hash, count).
pub(crate) fn count_sorted(mut all: Vec<u32>) -> Vec<(u32, u32)> {
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

pub(crate) fn tf(terms: &[(u32, u32)], h: u32) -> u32 {
    terms
        .binary_search_by_key(&h, |(t, _)| *t)
        .map(|i| terms[i].1)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- string literals

/// Words of a literal or of issue text for phrase matching: runs of `[A-Za-z0-9_-]`,
/// lower-cased; a `--option` hashes apart from the plain word. Calls `f(hash, specific)`:
/// `specific` when the word on its own names something (an option `--x`, a `snake_case`
/// or `dash-case` name).
pub(crate) fn for_each_phrase_word(text: &str, mut f: impl FnMut(u32, bool)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            let raw = &b[start..i];
            let dashes = raw.iter().take_while(|c| **c == b'-').count();
            let word = &raw[dashes..];
            let word = &word[..word.len() - word.iter().rev().take_while(|c| **c == b'-').count()];
            // Numbers (`2.0.0`, line counts) say nothing about where code lives.
            // Nor do `%s` and `{x}` placeholders' single letters.
            if word.len() < 2 || !word.iter().any(u8::is_ascii_alphabetic) {
                continue;
            }
            // `__file__` is not compound; `autodoc_typehints` and `import-mode` are.
            let core = {
                let t = word.iter().take_while(|c| **c == b'_').count();
                let e = word.iter().rev().take_while(|c| **c == b'_').count();
                &word[t.min(word.len())..word.len() - e.min(word.len() - t.min(word.len()))]
            };
            let inner = core.iter().any(|c| *c == b'_' || *c == b'-');
            let alpha = word.iter().filter(|c| c.is_ascii_alphabetic()).count();
            let specific = alpha >= 3 && word.len() >= 4 && (dashes >= 2 || inner);
            // An option is its dashed spelling: `--rootdir` in code matches `--rootdir`
            // in the issue, not the word "rootdir" of a pasted session header.
            let h = if dashes >= 2 {
                hash_term(word) ^ OPTION_SALT
            } else {
                hash_term(word)
            };
            f(h, specific);
            continue;
        }
        i += 1;
    }
}

const OPTION_SALT: u32 = 0x2d2d_5f5f;

/// Longest literal kept, in bytes: error messages, option and directive names fit.
const MAX_LITERAL: usize = 160;
/// Words kept per literal.
const MAX_LITERAL_WORDS: usize = 16;
/// Marks a word as specific in the flat literal list (the high bit of its hash).
pub(crate) const SPECIFIC_BIT: u32 = 1 << 31;

/// The one-line string literals of a code file, flattened: for each, `[line, k, w1..wk]`
/// with word hashes from [`for_each_phrase_word`] (the high bit set on a specific word).
/// Comment lines are skipped so apostrophes in prose do not pair up; backticks quote only
/// where the language has template strings (`backticks`), not in Python docstrings' RST.
pub(crate) fn literals(text: &str, backticks: bool) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    let mut words: Vec<u32> = Vec::with_capacity(MAX_LITERAL_WORDS);
    for (ln, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("//") || t.starts_with('*') || t.starts_with("/*") {
            continue;
        }
        let b = line.as_bytes();
        let is_quote = |c: u8| c == b'"' || c == b'\'' || (backticks && c == b'`');
        if !b.iter().any(|c| is_quote(*c)) {
            continue;
        }
        let mut i = 0;
        while i < b.len() {
            let q = b[i];
            if !is_quote(q) {
                i += 1;
                continue;
            }
            // Triple-quoted text is a docstring: prose that BM25 already reads, not a
            // message or a name. Skip it to its close on this line, or the line's end.
            if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                let rest = &line[i + 3..];
                let close = [q, q, q];
                let close = std::str::from_utf8(&close).unwrap_or("\"\"\"");
                i = rest.find(close).map_or(b.len(), |p| i + 3 + p + 3);
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != q {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if j >= b.len() {
                break;
            }
            let body = &line[start..j];
            i = j + 1;
            if body.len() < 3 || body.len() > MAX_LITERAL {
                continue;
            }
            words.clear();
            for_each_phrase_word(body, |h, specific| {
                if words.len() < MAX_LITERAL_WORDS {
                    words.push((h & !SPECIFIC_BIT) | if specific { SPECIFIC_BIT } else { 0 });
                }
            });
            if words.is_empty() {
                continue;
            }
            out.push(ln as u32 + 1);
            out.push(words.len() as u32);
            out.extend_from_slice(&words);
        }
    }
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_prose_compounds() {
        assert_eq!(
            compounds("Generate man page section dirs; the type-hints of a bug"),
            [
                "generateman",
                "manpage",
                "pagesection",
                "sectiondirs",
                "typehints"
            ]
        );
    }

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
    fn extracts_string_literals_with_lines() {
        let src = "# it's a comment, don't pair\nx = add_config_value('autodoc_typehints', 'x')\nraise ValueError(\"cannot reshape array\")\n    \"\"\"A docstring here.\"\"\"\n";
        let flat = literals(src, false);
        // line 2: 'autodoc_typehints' (1 specific word) and 'x' is too short.
        assert_eq!(flat[0], 2);
        assert_eq!(flat[1], 1);
        assert_eq!(flat[2] & SPECIFIC_BIT, SPECIFIC_BIT);
        // line 3: three plain words.
        assert_eq!(&flat[3..5], &[3, 3]);
        assert_eq!(flat[5] & SPECIFIC_BIT, 0);
        assert_eq!(flat.len(), 8);
        let mut opt = Vec::new();
        for_each_phrase_word("--fixtures scope `pytest --fixtures`", |h, s| {
            opt.push((h, s))
        });
        assert!(opt[0].1 && !opt[1].1);
        assert_eq!(opt[0], opt[3]);
        let mut plain = Vec::new();
        for_each_phrase_word("fixtures -PYTEST __file__", |h, s| plain.push((h, s)));
        assert_ne!(plain[0].0, opt[0].0);
        assert!(plain.iter().all(|(_, s)| !s), "{plain:?}");
    }
}
