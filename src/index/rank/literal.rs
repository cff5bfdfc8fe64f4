//! String literals the issue quotes: error messages, option and directive names.

use std::collections::{HashMap, HashSet};

use super::evidence::Evidence;
use super::signals::LITERAL;
use crate::index::Index;
use crate::index::terms::{SPECIFIC_BIT, for_each_phrase_word, stop_hashes, tf};

/// The issue's words as phrase hashes: the set of words, of specific words, and of
/// adjacent pairs (for "is this literal quoted in the issue").
pub(super) struct IssuePhrases {
    words: HashSet<u32>,
    pairs: HashSet<u64>,
}

pub(super) fn issue_phrases(issue: &str) -> IssuePhrases {
    let mut words = HashSet::new();
    let mut pairs = HashSet::new();
    let mut prev: Option<u32> = None;
    for_each_phrase_word(issue, |h, _| {
        let h = h & !SPECIFIC_BIT;
        words.insert(h);
        if let Some(p) = prev {
            pairs.insert(pair(p, h));
        }
        prev = Some(h);
    });
    IssuePhrases { words, pairs }
}

pub(super) fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// A literal the issue quotes: a specific single word it contains, or a run of at least
/// three adjacent words (two when one is specific) that it has in the same order. The
/// weight is the run's summed word rarity (`idf`, in [0, 1] per word), half again when the
/// run is the whole literal. Calls `f(line, weight, identity of the matched words)`.
pub(super) fn literal_matches(
    flat: &[u32],
    ip: &IssuePhrases,
    idf: &HashMap<u32, f64>,
    mut f: impl FnMut(usize, f64, u64),
) {
    let rarity = |w: u32| idf.get(&(w & !SPECIFIC_BIT)).copied().unwrap_or(1.0);
    let mut i = 0;
    while i + 1 < flat.len() {
        let line = flat[i] as usize;
        let k = flat[i + 1] as usize;
        let words = &flat[i + 2..(i + 2 + k).min(flat.len())];
        i += 2 + k;
        if k == 1 {
            let w = words[0];
            if w & SPECIFIC_BIT != 0 && ip.words.contains(&(w & !SPECIFIC_BIT)) {
                f(line, 2.0 * rarity(w), u64::from(w & !SPECIFIC_BIT));
            }
            continue;
        }
        // Longest run of adjacent words whose every pair the issue has.
        let (mut best, mut best_end, mut run) = (1usize, 0usize, 1usize);
        for j in 1..words.len() {
            let a = words[j - 1] & !SPECIFIC_BIT;
            let b = words[j] & !SPECIFIC_BIT;
            if ip.pairs.contains(&pair(a, b)) {
                run += 1;
                if run > best {
                    best = run;
                    best_end = j;
                }
            } else {
                run = 1;
            }
        }
        let matched = &words[best_end + 1 - best..=best_end];
        let specific = matched.iter().any(|w| w & SPECIFIC_BIT != 0);
        if best >= 3 || (best == 2 && specific) {
            let mut id: u64 = 0xcbf2_9ce4_8422_2325;
            for w in matched {
                id = (id ^ u64::from(*w)).wrapping_mul(0x0100_0000_01b3);
            }
            let mut weight: f64 = matched.iter().map(|w| rarity(*w)).sum();
            if best == k {
                weight *= 1.5;
            }
            // A run of common words ("a list of", "more than once") is prose any help
            // text has; only the rarity beyond about one rare word counts.
            weight -= 1.0;
            if weight > 0.0 {
                f(line, weight.min(8.0), id);
            }
        }
    }
}

/// Rarity of each issue word over the files' content terms: ln(N/df) / ln(N), in [0, 1];
/// a word no file has as a term (`import-mode`) counts as rare, a stop word as common.
pub(super) fn word_rarity(index: &Index, issue: &str) -> HashMap<u32, f64> {
    let n = index.files.len().max(2) as f64;
    let stop = stop_hashes();
    let mut out = HashMap::new();
    for_each_phrase_word(issue, |full, _| {
        // Keyed like the literal lists (high bit cleared); looked up by the full hash.
        out.entry(full & !SPECIFIC_BIT).or_insert_with(|| {
            // Stop words are no terms, so their df reads 0: without this, "is not an
            // integer" would be three rare words matched in every error message.
            if stop.binary_search(&full).is_ok() {
                return 0.0;
            }
            let df = index.terms.iter().filter(|t| tf(t, full) > 0).count();
            if df == 0 {
                1.0
            } else {
                ((n / df as f64).ln() / n.ln()).clamp(0.0, 1.0)
            }
        });
    });
    out
}

pub(super) fn literals(
    index: &Index,
    issue: &str,
    rarity: &HashMap<u32, f64>,
    ev: &mut [Evidence],
) {
    let ip = issue_phrases(issue);
    let n = index.files.len() as f64;
    let mut per_file: Vec<Vec<(usize, f64, u64)>> = vec![Vec::new(); index.files.len()];
    let mut df: HashMap<u64, usize> = HashMap::new();
    for (i, flat) in index.literals.iter().enumerate() {
        let mut seen = HashSet::new();
        literal_matches(flat, &ip, rarity, |line, w, id| {
            if seen.insert(id) {
                per_file[i].push((line, w, id));
                *df.entry(id).or_default() += 1;
            }
        });
    }
    for (i, hits) in per_file.into_iter().enumerate() {
        // The best match counts whole, the others a quarter: a pasted block of output
        // matches many weak literals, the gold file usually one strong one.
        let (mut best, mut sum) = (0.0f64, 0.0);
        for (line, w, id) in hits {
            // A literal many files share says less about which one to fix.
            let idf = (1.0 + n / df[&id] as f64).ln() / (1.0 + n).ln();
            best = best.max(w * idf);
            sum += w * idf;
            ev[i].literals.push((line, format!("line {line}")));
        }
        ev[i].raw[LITERAL] = best + 0.25 * (sum - best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_runs_need_three_words_or_a_specific_one() {
        let mut flat = Vec::new();
        for text in [
            "cannot reshape array of size",
            "is not",
            "autodoc_typehints",
            "value",
        ] {
            let mut w = Vec::new();
            for_each_phrase_word(text, |h, s| {
                w.push((h & !SPECIFIC_BIT) | if s { SPECIFIC_BIT } else { 0 })
            });
            flat.push(1);
            flat.push(w.len() as u32);
            flat.extend(w);
        }
        let ip = issue_phrases(
            "ValueError: cannot reshape array of size 3; this is not right; autodoc_typehints value",
        );
        let mut got = Vec::new();
        literal_matches(&flat, &ip, &HashMap::new(), |_, w, _| got.push(w));
        // All words unknown to the index count as rare (1.0): a whole 5-word literal is
        // 5 x 1.5 - 1; the option name 2.
        assert_eq!(got, vec![6.5, 2.0]);
    }
}
