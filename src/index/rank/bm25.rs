//! Lexical scores: the ranker's fielded BM25 and the plain BM25 baseline the benchmark
//! prints beside it.

use std::collections::HashMap;

use super::evidence::Evidence;
use super::{Ranked, round3};
use crate::index::Index;
use crate::index::mentions::title;
use crate::index::terms::{compounds, for_each_term, hash_term, tf};

pub(super) const K1: f64 = 1.2;
pub(super) const B: f64 = 0.75;
/// Path words count as this many occurrences; a file's name says more than its body.
pub(super) const PATH_WEIGHT: u32 = 4;
pub(super) const SYMBOL_WEIGHT: u32 = 2;

/// BM25 with fields: content words once, path words and defined names counted several
/// times. Returns raw scores; the words that scored are kept for the reason.
pub(super) fn fielded_bm25(index: &Index, issue: &str, ev: &mut [Evidence]) -> Vec<f64> {
    let n = index.files.len();
    let mut qterms: HashMap<u32, (String, u32)> = HashMap::new();
    // The title's words (the ones the reporter chose to name the problem) count once more.
    for text in [issue, title(issue)] {
        for_each_term(text, |t, h| {
            qterms.entry(h).or_insert_with(|| (t.to_string(), 0)).1 += 1;
        });
    }
    for c in compounds(issue) {
        qterms
            .entry(hash_term(c.as_bytes()))
            .or_insert_with(|| (c.clone(), 1));
    }
    // Path and symbol words, only for the query's terms.
    let mut extra: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n];
    let mut extra_len = vec![0u32; n];
    for (i, f) in index.files.iter().enumerate() {
        let mut add = |h: u32, k: u32| {
            extra_len[i] += k;
            if qterms.contains_key(&h) {
                *extra[i].entry(h).or_default() += k;
            }
        };
        for_each_term(&f.path.replace(['/', '.', '-'], " "), |_, h| {
            add(h, PATH_WEIGHT)
        });
        for d in &f.definitions {
            for_each_term(&d.name, |_, h| add(h, SYMBOL_WEIGHT));
        }
    }
    let dl: Vec<f64> = index
        .terms
        .iter()
        .zip(&extra_len)
        .map(|(t, x)| t.iter().map(|(_, c)| f64::from(*c)).sum::<f64>() + f64::from(*x))
        .collect();
    let avgdl = (dl.iter().sum::<f64>() / n as f64).max(1.0);
    let mut bm25 = vec![0.0f64; n];
    for (h, (word, qtf)) in &qterms {
        let Some((tfs, idf)) = tfs_and_idf(index, *h, &extra) else {
            continue;
        };
        let qw = 1.0 + f64::from(*qtf).ln();
        for (i, t) in tfs.iter().enumerate() {
            let f = f64::from(*t);
            if f == 0.0 {
                continue;
            }
            let s = idf * qw * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * dl[i] / avgdl));
            bm25[i] += s;
            ev[i].words.push((s, word.clone()));
        }
    }
    bm25
}

/// Plain BM25 (Robertson, k1 = 1.2, b = 0.75) over each file's words with its path once,
/// every file kind alike: the reference the benchmark prints beside [`rank`].
pub fn bm25_baseline(index: &Index, issue: &str) -> Vec<Ranked> {
    let n = index.files.len();
    let mut qterms: HashMap<u32, u32> = HashMap::new();
    for_each_term(issue, |_, h| *qterms.entry(h).or_default() += 1);
    let mut path_tf: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n];
    let mut dl = vec![0f64; n];
    for (i, f) in index.files.iter().enumerate() {
        for_each_term(&f.path.replace(['/', '.', '-'], " "), |_, h| {
            dl[i] += 1.0;
            if qterms.contains_key(&h) {
                *path_tf[i].entry(h).or_default() += 1;
            }
        });
        dl[i] += index.terms[i]
            .iter()
            .map(|(_, c)| f64::from(*c))
            .sum::<f64>();
    }
    let avgdl = (dl.iter().sum::<f64>() / n.max(1) as f64).max(1.0);
    let mut score = vec![0f64; n];
    for (h, qtf) in &qterms {
        let Some((tfs, idf)) = tfs_and_idf(index, *h, &path_tf) else {
            continue;
        };
        for (i, t) in tfs.iter().enumerate() {
            let f = f64::from(*t);
            if f > 0.0 {
                score[i] += f64::from(*qtf) * idf * f * (K1 + 1.0)
                    / (f + K1 * (1.0 - B + B * dl[i] / avgdl));
            }
        }
    }
    let mut out: Vec<Ranked> = (0..n)
        .filter(|i| score[*i] > 0.0)
        .map(|i| Ranked {
            path: index.files[i].path.clone(),
            score: round3(score[i]),
            reason: "bm25".into(),
            signals: Vec::new(),
            symbols: Vec::new(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}

/// Each file's count of term `h` (content plus `extra` fields) and the term's BM25 IDF;
/// `None` when no file has it.
fn tfs_and_idf(index: &Index, h: u32, extra: &[HashMap<u32, u32>]) -> Option<(Vec<u32>, f64)> {
    let n = index.files.len();
    let tfs: Vec<u32> = (0..n)
        .map(|i| tf(&index.terms[i], h) + extra[i].get(&h).copied().unwrap_or(0))
        .collect();
    let df = tfs.iter().filter(|t| **t > 0).count();
    if df == 0 {
        return None;
    }
    let idf = ((n as f64 - df as f64 + 0.5) / (df as f64 + 0.5) + 1.0).ln();
    Some((tfs, idf))
}
