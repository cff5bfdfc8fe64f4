//! Issue-to-file ranking with no model: separate signals per file (stack frames, named
//! paths and packages, definitions and uses of the identifiers the issue names weighted by
//! their specificity, string literals the issue quotes, fielded BM25, and personalised
//! PageRank over the reference graph), combined linearly with the weights of the one table
//! [`SIGNALS`]; the lexical order also enters by reciprocal rank (`bm25_rank`). Every
//! file keeps the signals that placed it, for people and for `octagit rank --json`.

use serde::{Deserialize, Serialize};

use super::{FileKind, Index};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub path: String,
    pub score: f64,
    /// Why this file ranks here, for people ("defines `parse_config` named in the issue; path mentioned").
    pub reason: String,
    /// The signals that placed it: name, weighted contribution to `score`, detail.
    #[serde(default)]
    pub signals: Vec<SignalHit>,
    /// The file's definitions most related to the issue, best first, with line ranges.
    #[serde(default)]
    pub symbols: Vec<RankedSymbol>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalHit {
    pub signal: String,
    /// Weighted contribution (for a multiplier: the factor applied).
    pub value: f64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedSymbol {
    pub name: String,
    pub kind: String,
    pub line: usize,
    pub end_line: usize,
    pub score: f64,
    pub why: String,
}

mod bm25;
mod evidence;
mod explain;
mod literal;
mod pagerank;
mod signals;

pub use bm25::bm25_baseline;
use bm25::fielded_bm25;
pub(crate) use evidence::Named;
use evidence::{Evidence, definitions_and_uses, named_identifiers, packages, paths_and_frames};
use explain::{detail, reason};
use literal::{literals, word_rarity};
use pagerank::personalised_pagerank;
use signals::*;
pub use signals::{Combine, SIGNALS, SignalSpec, Weights};

/// Files whose definitions are ranked too (the repo map shows the first ones).
const SYMBOL_FILES: usize = 20;

// ---------------------------------------------------------------- ranking

/// Rank the index's files by relevance to `issue_text` ("title\nbody": the first line
/// counts as the title), best first, with the table's weights. Files with no evidence at
/// all are left out.
pub fn rank(index: &Index, issue_text: &str) -> Vec<Ranked> {
    rank_with(index, issue_text, &Weights::default())
}

/// [`rank`] with explicit weights (ablation and tuning).
pub fn rank_with(index: &Index, issue_text: &str, w: &Weights) -> Vec<Ranked> {
    let n = index.files.len();
    if n == 0 {
        return Vec::new();
    }
    let mut ev = vec![Evidence::default(); n];
    paths_and_frames(index, issue_text, &mut ev);
    let named = named_identifiers(index, issue_text);
    let rarity = word_rarity(index, issue_text);
    packages(index, issue_text, &named, &rarity, &mut ev);
    definitions_and_uses(index, &named, &mut ev);
    literals(index, issue_text, &rarity, &mut ev);
    let bm25 = fielded_bm25(index, issue_text, &mut ev);
    let max_bm25 = bm25.iter().cloned().fold(0.0, f64::max);
    for (e, b) in ev.iter_mut().zip(&bm25) {
        e.raw[BM25] = if max_bm25 > 0.0 { b / max_bm25 } else { 0.0 };
    }
    let mut order: Vec<usize> = (0..n).filter(|i| bm25[*i] > 0.0).collect();
    order.sort_by(|a, b| bm25[*b].total_cmp(&bm25[*a]).then(a.cmp(b)));
    for (r, &i) in order.iter().enumerate() {
        ev[i].lexical_rank = r + 1;
        ev[i].raw[BM25_RANK] = reciprocal_rank(r + 1);
    }

    let weighted = |e: &Evidence, k: usize| -> f64 {
        let v = match k {
            DEFINES => saturate(e.raw[k], TAU_DEFINES),
            USES => saturate(e.raw[k], TAU_USES),
            LITERAL => saturate(e.raw[k], TAU_LITERAL),
            FRAME => e.raw[k] / 2.0,
            _ => e.raw[k],
        };
        w.0[k] * v
    };
    let base: Vec<f64> = ev
        .iter()
        .map(|e| {
            (0..ADDITIVE)
                .filter(|k| *k != GRAPH)
                .map(|k| weighted(e, k))
                .sum()
        })
        .collect();
    let pr = personalised_pagerank(index, &base);
    let max_pr = pr.iter().cloned().fold(0.0, f64::max);
    for (e, p) in ev.iter_mut().zip(&pr) {
        e.raw[GRAPH] = if max_pr > 0.0 { p / max_pr } else { 0.0 };
    }

    let mut out: Vec<Ranked> = Vec::new();
    for (i, e) in ev.iter_mut().enumerate() {
        let f = &index.files[i];
        let mut signals: Vec<SignalHit> = Vec::new();
        let mut score = 0.0;
        for (k, spec) in SIGNALS.iter().enumerate().take(ADDITIVE) {
            let v = weighted(e, k);
            if v > 1e-3 {
                score += v;
                signals.push(SignalHit {
                    signal: spec.name.to_string(),
                    value: round3(v),
                    detail: detail(e, k),
                });
            }
        }
        let named_path = e.path_mentioned || !e.frame_lines.is_empty();
        let (factor, which) = match f.kind {
            FileKind::Source if named_path || !peripheral(&f.path) => (1.0, None),
            FileKind::Source => (w.0[TESTS], Some(TESTS)),
            FileKind::Test if named_path => (1.0, None),
            FileKind::Test => (w.0[TESTS], Some(TESTS)),
            FileKind::Config => (0.45, None),
            FileKind::Docs => (0.35, None),
            FileKind::Generated => (w.0[GENERATED], Some(GENERATED)),
            FileKind::Other => (0.3, None),
        };
        score *= factor;
        if let Some(k) = which {
            signals.push(SignalHit {
                signal: SIGNALS[k].name.to_string(),
                value: factor,
                detail: format!("x{factor} ({})", f.kind.as_str()),
            });
        }
        if score <= 1e-9 {
            continue;
        }
        let reason = reason(e, f.kind);
        out.push(Ranked {
            path: f.path.clone(),
            score,
            reason,
            signals,
            symbols: Vec::new(),
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
    });
    for (k, r) in out.iter_mut().enumerate() {
        r.score = round3(r.score);
        if k < SYMBOL_FILES
            && let Some(i) = index.position(&r.path)
        {
            let e = &ev[i];
            let lits: Vec<usize> = e.literals.iter().map(|l| l.0).collect();
            r.symbols = super::symbols::rank_symbols(
                &index.files[i],
                issue_text,
                &named,
                &e.frame_lines,
                &lits,
            );
        }
    }
    out
}

/// Code beside the product rather than in it: benchmarks, examples, docs' code, build
/// and release scripts. The fix rarely goes there, so it is demoted like tests.
fn peripheral(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split('/');
    let first = parts.next().unwrap_or("");
    let is_root_file = !lower.contains('/');
    matches!(
        first,
        "bench"
            | "benches"
            | "benchmark"
            | "benchmarks"
            | "asv_bench"
            | "example"
            | "examples"
            | "doc"
            | "docs"
            | "scripts"
            | "ci"
    ) || (is_root_file
        && matches!(
            lower.as_str(),
            "setup.py"
                | "noxfile.py"
                | "conftest.py"
                | "build.rs"
                | "gulpfile.js"
                | "webpack.config.js"
        ))
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
